"""The ready-made public answers a new city starts with, in English and Spanish (code →
((title, text) in English, (title, text) in Spanish)). Officials edit them afterwards in the
back office; migration needs.0005 and the demo seeder add whichever are missing."""

from typing import Any

RESPONSE_TEMPLATES: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "received": (
        ("Received", "Thank you for your report. We have received it and will inspect the place."),
        ("Recibido", "Gracias por tu aviso. Lo hemos recibido e inspeccionaremos el lugar."),
    ),
    "crew": (
        ("Crew assigned", "A crew has been assigned and will visit soon."),
        ("Equipo asignado", "Se ha asignado un equipo que pasará pronto."),
    ),
    "scheduled": (
        ("Scheduled", "The work is scheduled. We will post here when it is done."),
        ("Programado", "El trabajo está programado. Lo publicaremos aquí cuando esté hecho."),
    ),
    "fixed": (
        ("Fixed", "This has been fixed. Thank you for telling us."),
        ("Resuelto", "Ya está resuelto. Gracias por avisarnos."),
    ),
    "private": (
        (
            "Private land",
            "This is on private land, so the city cannot act; we have informed the owner.",
        ),
        (
            "Terreno privado",
            "Está en un terreno privado, así que la ciudad no puede actuar; hemos informado a la "
            "propiedad.",
        ),
    ),
    "duplicate": (
        ("Already reported", "This was already reported; please follow the original report."),
        ("Ya comunicado", "Esto ya se había comunicado; sigue el aviso original."),
    ),
}


def add_response_templates(model: Any) -> int:
    """Add the answers missing from ``model`` (the ResponseTemplate model, or its historical
    version in a migration); returns how many were added. Edited ones are left as they are."""
    added = 0
    for code, (english, spanish) in RESPONSE_TEMPLATES.items():
        for language, (title, text) in (("en", english), ("es", spanish)):
            _, created = model.objects.get_or_create(
                code=code, language=language, defaults={"title": title, "text": text}
            )
            added += created
    return added
