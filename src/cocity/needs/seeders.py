"""Demo content of the needs app: service categories for the eight demo departments and about
5,000 × scale reports over the last twelve months (``REPORTS``). The environment department's
categories (air quality, noise) take the needs the sensors' evidence suggests
(``/sensors/evidence/``); the demo files no random reports in them.

Reporting is deliberately uneven: districts with more high-income households report more per
resident, as they do in real cities, so the equity views have an under-reporting gap to find.
Use of the platform grows over the year (recent months have more reports). Older reports are
more often answered; some are merged into an earlier report of the same category nearby; about
one in four has supporters; reporters and supporters follow their reports, and the demo
resident has a few notifications. Rows are bulk-created (``cocity seed-demo`` must stay fast);
one audit entry records the import.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import h3
import shapely
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from cocity.compute.geo import parse_boundary
from cocity.core.models import Notification, User
from cocity.core.seeding import SeedContext, register
from cocity.core.services import audit_record
from cocity.needs import services
from cocity.needs.defaults import add_response_templates
from cocity.needs.geo import h3_cell
from cocity.needs.models import (
    OPEN_STATUSES,
    Channel,
    Priority,
    Report,
    ReportFollow,
    ReportSupport,
    ReportUpdate,
    ResponseTemplate,
    Status,
)

REPORTS = 5000  # per unit of --scale, over the last twelve months
MERGE_RESOLUTION = 8  # reports of one category in the same h3 cell (~0.7 km²) may be merged
DEMO_RESIDENT = "resident@demo.cocity.city"

# department code → [(code, name, expected days, description samples)]
CATEGORIES: dict[str, list[tuple[str, str, int, list[str]]]] = {
    "roads": [
        ("pothole", "Pothole", 10, ["Deep pothole in the bus lane", "Potholes after the rain"]),
        ("pavement", "Broken pavement", 20, ["Loose paving slabs", "Kerb broken at crossing"]),
    ],
    "lighting": [
        ("streetlight", "Street light out", 5, ["Street light out all week", "Lamp flickers"]),
    ],
    "waste": [
        ("overflowing-bin", "Overflowing bin", 2, ["Bins full since Monday", "Rubbish around bin"]),
        ("fly-tipping", "Fly-tipping", 5, ["Old mattress dumped", "Building rubble left"]),
    ],
    "parks": [
        ("fallen-tree", "Fallen or dangerous tree", 3, ["Branch hanging over path", "Tree down"]),
        ("playground", "Broken playground equipment", 14, ["Swing chain broken", "Slide cracked"]),
    ],
    "water": [
        ("blocked-drain", "Blocked drain or flooding", 4, ["Drain blocked, street floods"]),
        ("water-leak", "Water leak", 2, ["Water bubbling up from the pavement"]),
    ],
    "transport": [
        ("bus-stop", "Damaged bus stop", 15, ["Shelter glass smashed", "Timetable missing"]),
    ],
    "social-services": [
        (
            "social-support",
            "Someone needs support",
            7,
            ["Elderly neighbour living alone needs help", "Family needs advice on benefits"],
        ),
    ],
    # no description samples: no random demo reports (see the module's docstring)
    "environment": [
        ("air-quality", "Poor air quality", 10, []),
        ("noise", "Noise", 10, []),
    ],
}

# the demo categories' names in Spanish (the city's second language)
SPANISH_NAMES = {
    "pothole": "Bache",
    "pavement": "Acera rota",
    "streetlight": "Farola apagada",
    "overflowing-bin": "Contenedor desbordado",
    "fly-tipping": "Vertido ilegal",
    "fallen-tree": "Árbol caído o peligroso",
    "playground": "Juego infantil roto",
    "blocked-drain": "Desagüe atascado o inundación",
    "water-leak": "Fuga de agua",
    "bus-stop": "Parada de autobús dañada",
    "social-support": "Alguien necesita apoyo",
    "air-quality": "Mala calidad del aire",
    "noise": "Ruido",
}

# each demo category's description, (English, Spanish): what residents read when they choose one
DESCRIPTIONS = {
    "pothole": (
        "A hole or sunken patch in the road surface, in a traffic or bus lane or a car park.",
        "Un agujero o hundimiento en el asfalto de la calzada, un carril bus o un aparcamiento.",
    ),
    "pavement": (
        "Loose or broken paving slabs, kerbs or steps on a footpath or a crossing.",
        "Baldosas sueltas o rotas, bordillos o escalones dañados en una acera o un paso de "
        "peatones.",
    ),
    "streetlight": (
        "A street light that is off, flickers or stays on during the day.",
        "Una farola que no se enciende, parpadea o se queda encendida de día.",
    ),
    "overflowing-bin": (
        "A public bin or a recycling container that is full, overflowing or has rubbish around it.",
        "Una papelera o un contenedor de reciclaje lleno, desbordado o con basura alrededor.",
    ),
    "fly-tipping": (
        "Furniture, building rubble, mattresses or other waste dumped in the street or on open "
        "land.",
        "Muebles, escombros, colchones u otros residuos abandonados en la calle o en un solar.",
    ),
    "fallen-tree": (
        "A tree or a large branch that has fallen, is leaning or could fall onto a path or a road.",
        "Un árbol o una rama grande que se ha caído, está inclinado o podría caer sobre un "
        "camino o una calle.",
    ),
    "playground": (
        "Swings, slides, fences or the ground of a playground that are broken or unsafe.",
        "Columpios, toboganes, vallas o suelo de un parque infantil rotos o peligrosos.",
    ),
    "blocked-drain": (
        "A drain or gully that is blocked, smells, or lets the street flood when it rains.",
        "Un sumidero o una rejilla atascados, que huelen mal o dejan que la calle se inunde "
        "cuando llueve.",
    ),
    "water-leak": (
        "Water running or bubbling up from the pavement, the road or a public fountain.",
        "Agua que corre o brota de la acera, la calzada o una fuente pública.",
    ),
    "bus-stop": (
        "A bus stop or shelter with broken glass, seats or timetables, or missing signs.",
        "Una parada o marquesina de autobús con cristales, asientos u horarios rotos, o sin "
        "señales.",
    ),
    "social-support": (
        "Someone who needs help from social services: an elderly person living alone, a "
        "family that needs advice. Only the city's social workers see the details.",
        "Alguien que necesita ayuda de los servicios sociales: una persona mayor que vive sola, "
        "una familia que necesita orientación. Solo el personal de servicios sociales de la "
        "ciudad ve los detalles.",
    ),
    "air-quality": (
        "Smoke, dust or fumes that make the air unpleasant or unhealthy to breathe, or air "
        "pollution the city's sensors measured above the guidelines.",
        "Humo, polvo o gases que hacen el aire desagradable o insano de respirar, o una "
        "contaminación que los sensores de la ciudad midieron por encima de las guías.",
    ),
    "noise": (
        "Loud noise that keeps happening: traffic, works, venues or machines, by day or at night.",
        "Ruido fuerte y repetido: tráfico, obras, locales o máquinas, de día o de noche.",
    ),
}
# each demo category's keywords, (English, Spanish): the SMS channel recognises them
KEYWORDS = {
    "pothole": ("hole, road, asphalt", "agujero, calzada, asfalto"),
    "pavement": ("slab, kerb, footpath", "baldosa, bordillo, acera"),
    "streetlight": ("lamp, light, dark", "farola, luz, oscuro"),
    "overflowing-bin": ("bin, rubbish, recycling", "papelera, basura, reciclaje"),
    "fly-tipping": ("dumped, rubble, mattress", "escombros, colchón, vertido"),
    "fallen-tree": ("tree, branch", "árbol, rama"),
    "playground": ("swing, slide, playground", "columpio, tobogán, parque infantil"),
    "blocked-drain": ("drain, flood, gully", "sumidero, inundación, alcantarilla"),
    "water-leak": ("leak, water, burst pipe", "fuga, agua, tubería rota"),
    "bus-stop": ("bus, shelter, timetable", "autobús, marquesina, horario"),
    "social-support": ("help, elderly, alone", "ayuda, mayor, soledad"),
    "air-quality": ("air, smoke, pollution", "aire, humo, contaminación"),
    "noise": ("noise, loud, night", "ruido, molestias, noche"),
}
# the group of each demo department's categories, (English, Spanish)
GROUPS = {
    "roads": ("Streets and pavements", "Calles y aceras"),
    "lighting": ("Street lighting", "Alumbrado público"),
    "waste": ("Cleaning and waste", "Limpieza y residuos"),
    "parks": ("Parks and trees", "Parques y árboles"),
    "water": ("Water and drains", "Agua y alcantarillado"),
    "transport": ("Public transport", "Transporte público"),
    "social-services": ("Social care", "Atención social"),
    "environment": ("Environment", "Medio ambiente"),
}

ANSWERS: dict[str, str] = {
    Status.ACKNOWLEDGED: "Thank you, we have received your report and will inspect it.",
    Status.IN_PROGRESS: "A crew has been assigned.",
    Status.SCHEDULED: "The repair is scheduled.",
    Status.FIXED: "Fixed. Thank you for reporting it.",
    Status.NOT_OUR_RESPONSIBILITY: "This is private land; we have told the owner.",
    Status.NO_FURTHER_ACTION: "Inspected: no action is needed at the moment.",
    Status.CLOSED: "Closed.",
    Status.DUPLICATE: "This was already reported; please follow the original report.",
}
CHANNELS = [
    (Channel.WEB, 60),
    (Channel.PHONE, 15),
    (Channel.API, 10),
    (Channel.PAPER, 8),
    (Channel.SMS, 5),
    (Channel.ORGANISATION, 2),
]


def _point_in(geom: Any, rng: Any) -> tuple[float, float]:
    minx, miny, maxx, maxy = geom.bounds
    while True:
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.intersects_xy(geom, lon, lat):
            return lat, lon


def _final_status(age_days: float, rng: Any) -> str:
    """Older reports are more likely answered; a few stay open for months."""
    answered = 0.88 * (1 - math.exp(-age_days / 15))
    if rng.random() > answered:
        return rng.choice([Status.SUBMITTED, Status.SUBMITTED, Status.ACKNOWLEDGED])
    return rng.choices(
        [
            Status.FIXED,
            Status.IN_PROGRESS,
            Status.SCHEDULED,
            Status.NOT_OUR_RESPONSIBILITY,
            Status.NO_FURTHER_ACTION,
            Status.CLOSED,
        ],
        [60, 8, 6, 8, 8, 10],
    )[0]


def _age_days(rng: Any) -> float:
    """Days since a report was filed: use of the platform grows over the year, so the last
    month has about twice the reports of the first."""
    while True:
        age = rng.uniform(0, 365)
        if rng.random() * 2 <= 2 - age / 365:
            return age


def _bilingual(english: str, spanish: str, languages: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """A demo text as a category stores it: the default in the site's language, the other
    (when the city offers it) by language code."""
    if settings.LANGUAGE_CODE == "es":
        return spanish, ({"en": english} if "en" in languages else {})
    return english, ({"es": spanish} if "es" in languages else {})


@register("needs", order=20)
def seed_needs(ctx: SeedContext) -> None:
    add_response_templates(ResponseTemplate)  # migrations add them; a flushed database has none
    languages = dict(settings.LANGUAGES)
    departments = ctx.shared["departments"]
    areas = ctx.shared["areas"]
    categories = []
    for dept_code, items in CATEGORIES.items():
        for code, name, days, samples in items:
            name, names = _bilingual(name, SPANISH_NAMES[code], languages)
            description, descriptions = _bilingual(*DESCRIPTIONS[code], languages)
            group, groups = _bilingual(*GROUPS[dept_code], languages)
            keywords, keywords_in_languages = _bilingual(*KEYWORDS[code], languages)
            category = services.category_create(
                code=code,
                name=name,
                names=names,
                description=description,
                descriptions=descriptions,
                group=group,
                groups=groups,
                keywords=keywords,
                keywords_in_languages=keywords_in_languages,
                department=departments[dept_code],
                expected_days=days,
            )
            if samples:
                categories.append((category, samples))
    districts = [a for a in areas.values() if a.kind == "district"]
    geoms = {a.pk: parse_boundary(a.boundary) for a in districts}
    for geom in geoms.values():
        shapely.prepare(geom)
    # reports per resident grow with the share of the richest households
    weights = [
        a.population * (0.4 + 3 * (a.demographics.get("income_quintiles") or [0.2] * 5)[4])
        for a in districts
    ]
    crowd = list(User.objects.filter(email__startswith="resident").order_by("id")[:200])
    official = User.objects.filter(role="official").order_by("id").first()
    now = timezone.now()
    channels, channel_weights = [c for c, _ in CHANNELS], [w for _, w in CHANNELS]
    plans: list[tuple[str, float]] = []
    rows: list[Report] = []
    for _ in range(REPORTS * ctx.scale):
        category, samples = ctx.rng.choice(categories)
        area = ctx.rng.choices(districts, weights)[0]
        lat, lon = _point_in(geoms[area.pk], ctx.rng)
        age = _age_days(ctx.rng)
        created = now - timedelta(days=age)
        reporter = ctx.rng.choice(crowd) if crowd and ctx.rng.random() < 0.6 else None
        rows.append(
            Report(
                category=category,
                description=ctx.rng.choice(samples),
                lat=lat,
                lon=lon,
                area=area,
                h3_cell=h3_cell(lat, lon),
                reporter=reporter,
                anonymous=reporter is None or ctx.rng.random() < 0.2,
                tracking_token=f"{ctx.rng.getrandbits(96):024x}",
                channel=ctx.rng.choices(channels, channel_weights)[0],
                status=Status.SUBMITTED,
                priority=ctx.rng.choices(list(Priority.values), [10, 70, 15, 5])[0],
                department=category.department,
                created_at=created,
                updated_at=created,
                expected_at=created + timedelta(days=category.expected_days),
            )
        )
        plans.append((_final_status(age, ctx.rng), age))
    # a few reports merged into an earlier open one of the same category nearby
    order = sorted(range(len(rows)), key=lambda i: rows[i].created_at)
    first_seen: dict[tuple[int, str], int] = {}
    originals: dict[int, int] = {}  # duplicate's index → original's index
    for i in order:
        report = rows[i]
        key = (report.category_id, h3.cell_to_parent(report.h3_cell, MERGE_RESOLUTION))
        first = first_seen.setdefault(key, i)
        if first != i and plans[i][0] == Status.SUBMITTED and ctx.rng.random() < 0.4:
            originals[i] = first
            plans[i] = (Status.DUPLICATE, plans[i][1])
    # the timeline, supporters and followers, decided before anything is written
    updates: list[tuple[int, ReportUpdate]] = []
    supporters: dict[int, list[User]] = {}
    for i, (report, (status, age)) in enumerate(zip(rows, plans, strict=True)):
        steps: list[str] = []
        if status not in (Status.SUBMITTED, Status.DUPLICATE):
            steps.append(Status.ACKNOWLEDGED)
        if status != Status.SUBMITTED and status not in steps:
            steps.append(status)
        when = report.created_at
        previous: str = Status.SUBMITTED
        for step in steps:
            when = when + timedelta(hours=ctx.rng.uniform(2, 24 * min(age, 30) / len(steps)))
            when = min(when, now)
            updates.append(
                (
                    i,
                    ReportUpdate(
                        author=official,
                        text=ANSWERS.get(step, ""),
                        old_status=previous,
                        new_status=step,
                        created_at=when,
                    ),
                )
            )
            if previous == Status.SUBMITTED:
                report.first_response_at = when
            previous = step
        report.status = status
        report.updated_at = when
        if status not in OPEN_STATUSES:
            report.closed_at = when
        if crowd and status != Status.DUPLICATE and ctx.rng.random() < 0.25:
            people = ctx.rng.sample(crowd, k=min(len(crowd), ctx.rng.randint(1, 6)))
            supporters[i] = people
            report.support_count = len(people)
    Report.objects.bulk_create(rows, batch_size=500)
    for i, original in originals.items():
        rows[i].duplicate_of = rows[original]
    Report.objects.bulk_update([rows[i] for i in originals], ["duplicate_of"], batch_size=500)
    for i, update in updates:
        update.report = rows[i]
    ReportUpdate.objects.bulk_create([u for _, u in updates], batch_size=1000)
    supports = [
        ReportSupport(report=rows[i], user=person)
        for i, people in supporters.items()
        for person in people
    ]
    ReportSupport.objects.bulk_create(supports, batch_size=1000)
    follows = {(rows[i].pk, person.pk) for i, people in supporters.items() for person in people} | {
        (r.pk, r.reporter_id) for r in rows if r.reporter_id is not None
    }
    ReportFollow.objects.bulk_create(
        [ReportFollow(report_id=r, user_id=u) for r, u in sorted(follows)], batch_size=1000
    )
    notified = _demo_notifications(rows, [u for _, u in updates], now)
    audit_record(
        action="needs.demo_imported",
        data={
            "reports": len(rows),
            "updates": len(updates),
            "supports": len(supports),
            "follows": len(follows),
            "merged": len(originals),
        },
    )
    ctx.shared["needs_categories"] = [c for c, _ in categories]
    ctx.log(
        f"  {len(rows)} reports, {len(updates)} updates, {len(originals)} merged, "
        f"{notified} notifications for {DEMO_RESIDENT}"
    )


def _demo_notifications(rows: list[Report], updates: list[ReportUpdate], now: Any) -> int:
    """The demo resident's notifications: the public updates of the reports they filed, as
    ``services.triage._notify_followers`` writes them; all but the last three are read."""
    resident = User.objects.filter(email=DEMO_RESIDENT).first()
    if resident is None:
        return 0
    mine = {r.pk: r for r in rows if r.reporter_id == resident.pk}
    chosen = sorted(
        (u for u in updates if u.report_id in mine), key=lambda u: (u.created_at, u.report_id)
    )[-12:]
    notes = []
    for n, update in enumerate(chosen):
        report = mine[update.report_id]
        notes.append(
            Notification(
                recipient=resident,
                verb="needs.report_updated",
                # as services.triage._notify_followers writes it; translated when shown
                text=gettext_noop("Report #%(number)s (%(category)s) is now: %(status)s."),
                params={
                    "number": report.pk,
                    "category": report.category.all_names(),
                    "status": _english_status(update.new_status),
                    "note": update.text,
                    "_translate": ["status"],
                },
                link=reverse("needs:detail", kwargs={"pk": report.pk}),
                created_at=update.created_at,
                read_at=None if n >= len(chosen) - 3 else now,
            )
        )
    Notification.objects.bulk_create(notes)
    return len(notes)


def _english_status(status: str) -> str:
    with translation.override(None):  # the msgid, translated when the notification is shown
        return str(Status(status).label)
