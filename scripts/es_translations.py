"""Spanish translations of cocity's own messages, applied with `python scripts/es_translations.py`.

Kept as a plain mapping so a reviewer can read the English and Spanish side by side; the script
fills src/cocity/locale/es/LC_MESSAGES/django.po (after `cocity makemessages -l es`) and
compiles it. Needs gettext's msgfmt.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ES: dict[str, str | list[str]] = {
    "Core": "Núcleo",
    "You are not allowed to do this.": "No tienes permiso para hacer esto.",
    "The request is not valid": "La petición no es válida",
    "Authentication is required": "Hace falta identificarse",
    "You are not allowed to do this": "No tienes permiso para hacer esto",
    "Not found": "No encontrado",
    "Method not allowed": "Método no permitido",
    "Not acceptable": "No aceptable",
    "Conflict with the current state": "Conflicto con el estado actual",
    "Unsupported media type": "Tipo de contenido no admitido",
    "Too many requests": "Demasiadas peticiones",
    "Server error": "Error del servidor",
    "Request failed": "La petición ha fallado",
    "Some fields are not valid.": "Algunos campos no son válidos.",
    "I agree that cocity may": "Acepto que cocity pueda",
    "Type DELETE to confirm": "Escribe BORRAR para confirmar",
    "Your account is deleted; your public contributions stay, without your name.": "Se borra tu cuenta; tus aportaciones públicas se mantienen, sin tu nombre.",
    "Type DELETE to confirm.": "Escribe BORRAR para confirmar.",
    "Resident": "Vecino/a",
    "Organisation member": "Miembro de una organización",
    "Moderator": "Moderador/a",
    "City official": "Personal municipal",
    "Administrator": "Administrador/a",
    "email address": "correo electrónico",
    "public name": "nombre público",
    "role": "rol",
    "departments": "departamentos",
    "organisations": "organizaciones",
    "user": "usuario",
    "users": "usuarios",
    "Former participant": "Antiguo participante",
    "code": "código",
    "name": "nombre",
    "contact email": "correo de contacto",
    "department": "departamento",
    "short name": "nombre corto",
    "description": "descripción",
    "website": "sitio web",
    "community organisation": "organización vecinal",
    "community organisations": "organizaciones vecinales",
    "City": "Ciudad",
    "District": "Distrito",
    "Neighbourhood": "Barrio",
    "kind": "tipo",
    "population": "población",
    "demographics": "demografía",
    "boundary (GeoJSON geometry)": "límite (geometría GeoJSON)",
    "area": "zona",
    "areas": "zonas",
    "audit entry": "entrada del registro",
    "audit log": "registro de auditoría",
    "Email me updates on what I follow": "Enviarme por correo novedades de lo que sigo",
    "Show my public name next to my contributions": "Mostrar mi nombre público junto a mis aportaciones",
    "Researchers may contact me about my participation": "Que personas investigadoras me contacten sobre mi participación",
    "Use my age band and district for representativeness checks": "Usar mi franja de edad y mi distrito para comprobar la representatividad",
    "Roads and pavements": "Calzadas y aceras",
    "Street lighting": "Alumbrado público",
    "Waste and cleaning": "Residuos y limpieza",
    "Parks and trees": "Parques y arbolado",
    "Water and drainage": "Agua y alcantarillado",
    "Public transport": "Transporte público",
    "Social services": "Servicios sociales",
    "Bad request": "Petición incorrecta",
    "We could not understand that request": "No hemos podido entender esa petición",
    "Please go back and try again.": "Vuelve atrás e inténtalo de nuevo.",
    "Back to the home page": "Volver a la página de inicio",
    "Not allowed": "No permitido",
    "This page is not open to you": "Esta página no está abierta para ti",
    "You may need to sign in with another account, or ask the city for access.": "Quizá tengas que entrar con otra cuenta o pedir acceso al ayuntamiento.",
    "Page not found": "Página no encontrada",
    "We could not find that page": "No hemos encontrado esa página",
    "It may have moved, or the address may be mistyped.": "Puede que se haya movido o que la dirección esté mal escrita.",
    "Skip to main content": "Saltar al contenido principal",
    "Main": "Principal",
    "Home": "Inicio",
    "Public record": "Registro público",
    "My account": "Mi cuenta",
    "Administration": "Administración",
    "Sign out": "Salir",
    "Sign in": "Entrar",
    "Register": "Registrarse",
    "Language": "Idioma",
    "Change": "Cambiar",
    "Signed in as %(name)s (%(role)s)": "Has entrado como %(name)s (%(role)s)",
    "cocity — the co-created city. Open source; your data is shared only with your consent.": "cocity — la ciudad co-creada. Código abierto; tus datos solo se comparten con tu consentimiento.",
    "API": "API",
    "Audit log": "Registro de auditoría",
    "All districts": "Todos los distritos",
    "Residents": "Habitantes",
    "Area": "Superficie",
    "Residents per km²": "Habitantes por km²",
    "Age": "Edad",
    "Age band": "Franja de edad",
    "Share of residents": "Porcentaje de habitantes",
    "Bar": "Barra",
    "Household income": "Ingresos de los hogares",
    "Share of the district's households in each city-wide income fifth (1 = lowest).": "Porcentaje de hogares del distrito en cada quinto de ingresos de la ciudad (1 = el más bajo).",
    "Income fifth": "Quinto de ingresos",
    "Share": "Porcentaje",
    "Every change to public information is written here. Each entry carries the SHA-256 fingerprint of the one before, so nobody can quietly alter the past; anyone can check it with <code>cocity audit verify</code> or through the API.": "Aquí queda escrito cada cambio de la información pública. Cada entrada lleva la huella SHA-256 de la anterior, así que nadie puede alterar el pasado sin que se note; cualquiera puede comprobarlo con <code>cocity audit verify</code> o mediante la API.",
    "When": "Cuándo",
    "What": "Qué",
    "Who": "Quién",
    "Fingerprint": "Huella",
    "Nothing recorded yet.": "Todavía no hay nada registrado.",
    "Pages": "Páginas",
    "Newer": "Más recientes",
    "Page %(n)s of %(total)s": "Página %(n)s de %(total)s",
    "Older": "Más antiguas",
    "Something is not right": "Algo no está bien",
    "%(city_name)s, the city we make together": "%(city_name)s, la ciudad que hacemos entre todos",
    "One district, %(people)s residents. Say what your neighbourhood needs, shape the answers with the city, decide budgets fairly and see what was done.": [
        "Un distrito, %(people)s habitantes. Di qué necesita tu barrio, da forma a las respuestas con el ayuntamiento, decide presupuestos de forma justa y comprueba qué se hizo.",
        "%(n)s distritos, %(people)s habitantes. Di qué necesita tu barrio, da forma a las respuestas con el ayuntamiento, decide presupuestos de forma justa y comprueba qué se hizo.",
    ],
    "Demo city.": "Ciudad de demostración.",
    "Sign in with any demo account, e.g. resident@demo.cocity.city, password cocity-demo.": "Entra con cualquier cuenta de demostración, p. ej. resident@demo.cocity.city, contraseña cocity-demo.",
    "What you can do here": "Qué puedes hacer aquí",
    "Coming to this city soon": "Pronto en esta ciudad",
    "Districts": "Distritos",
    "Map of the districts; each one links to its page.": "Mapa de los distritos; cada uno enlaza a su página.",
    "The table below lists the same districts.": "La tabla de abajo recoge los mismos distritos.",
    "Districts by population": "Distritos por población",
    "Area (km²)": "Superficie (km²)",
    "My account and privacy": "Mi cuenta y privacidad",
    "What you allow": "Qué permites",
    "Save my choices": "Guardar mis preferencias",
    "History": "Historial",
    "granted": "concedido",
    "withdrawn": "retirado",
    "Your data": "Tus datos",
    "Download everything we hold about you (JSON)": "Descargar todo lo que guardamos sobre ti (JSON)",
    "Delete my account": "Borrar mi cuenta",
    "Your choices are saved.": "Tus preferencias se han guardado.",
    "Your account is deleted. Thank you for taking part.": "Tu cuenta se ha borrado. Gracias por participar.",
    "English": "Inglés",
    "Spanish": "Español",
    "Needs": "Necesidades",
    "Report a problem or a need, support others, follow the city's answer.": "Avisa de un problema o una necesidad, apoya los de otras personas y sigue la respuesta del ayuntamiento.",
    "Co-creation": "Co-creación",
    "Propose ideas, co-design them and follow them from pilot to service.": "Propón ideas, diséñalas en común y síguelas desde el piloto hasta el servicio.",
    "Deliberation": "Deliberación",
    "Say what you think in short statements and find common ground.": "Di lo que piensas en frases cortas y encuentra puntos en común.",
    "Participatory budgets": "Presupuestos participativos",
    "Decide together how part of the budget is spent.": "Decidid juntos cómo se gasta parte del presupuesto.",
    "Urban sensing": "Sensores urbanos",
    "See sensor data as evidence for needs and outcomes.": "Consulta datos de sensores como prueba de necesidades y resultados.",
    "Equity and open data": "Equidad y datos abiertos",
    "Who takes part, who benefits, and the data to check it.": "Quién participa, quién se beneficia y los datos para comprobarlo.",
}


NPLURALS = 3
HEADER = {
    "Project-Id-Version": "cocity",
    "Last-Translator": "cocity contributors",
    "Language-Team": "Spanish",
    "Language": "es",
}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main() -> int:
    po_path = Path(__file__).resolve().parent.parent / "src/cocity/locale/es/LC_MESSAGES/django.po"
    text = po_path.read_text(encoding="utf-8")
    blocks = text.split("\n\n")
    missing = []
    out = []
    for block in blocks:
        m = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        if not m or m.group(1).strip() == '""':
            out.append(block)
            continue
        msgid = (
            "".join(re.findall(r'"(.*)"', m.group(1)))
            .encode()
            .decode("unicode_escape")
            .encode("latin-1")
            .decode("utf-8")
        )
        head = block[: block.index("msgid ")]
        head = "\n".join(line for line in head.split("\n") if not line.startswith("#, fuzzy"))
        tr = ES.get(msgid)
        if tr is None:
            missing.append(msgid)
            out.append(block)
            continue
        plural = re.search(r'^msgid_plural ((?:".*"\n?)+)', block, re.M)
        lines = [head + "msgid " + _quote(msgid)]
        if plural:
            lines.append(
                "msgid_plural " + plural.group(1).strip().split("\n")[0]
                if plural.group(1).count("\n") <= 1
                else "msgid_plural " + plural.group(1).strip()
            )
            assert isinstance(tr, list)
            forms = [tr[0], *[tr[1]] * (NPLURALS - 1)]  # Spanish: one / millions / other
            lines += [f"msgstr[{i}] " + _quote(t) for i, t in enumerate(forms)]
        else:
            assert isinstance(tr, str)
            lines.append("msgstr " + _quote(tr))
        out.append("\n".join(lines))
    result = "\n\n".join(out)
    for key, value in HEADER.items():
        result = re.sub(rf'^"{key}: .*\\n"$', f'"{key}: {value}\\\\n"', result, count=1, flags=re.M)
    result = re.sub(
        r'^"PO-Revision-Date: .*\\n"$',
        '"PO-Revision-Date: 2026-11-22 00:00+0000\\\\n"',
        result,
        count=1,
        flags=re.M,
    )
    result = result.replace("#, fuzzy\n", "", 1) if result.startswith("# SOME") else result
    po_path.write_text(result, encoding="utf-8")
    if missing:
        print("missing Spanish for:", *missing, sep="\n  ", file=sys.stderr)
        return 1
    subprocess.run(
        ["msgfmt", "--check", "-o", str(po_path.with_suffix(".mo")), str(po_path)], check=True
    )
    print("es catalog written and compiled")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
