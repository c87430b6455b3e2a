"""Demo content of the core app: a fictional mid-size city of twelve districts.

Villaverde del Río is made up; its districts are laid around a real coordinate on the river Tormes
(40.96 N, 5.66 W) so that map tiles, if configured, show a plausible place. Populations,
age bands and income shares differ between districts on purpose, so equity analysis has
something to find.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_noop

from cocity.compute.gazetteer import PlaceRow
from cocity.core import services
from cocity.core.models import Area, Role, User
from cocity.core.seeding import SeedContext, register

CENTRE_LAT, CENTRE_LON = 40.9601, -5.6635
COLS, ROWS = 4, 3
CELL_LAT, CELL_LON = 0.018, 0.024  # about 2 km × 2 km

DEMO_PASSWORD = "cocity-demo"  # noqa: S105 — the demo logins' published password (README)

# code, name, population, age-band shares (0-14, 15-29, 30-44, 45-64, 65+), income quintile shares
DISTRICTS: list[tuple[str, str, int, tuple[float, ...], tuple[float, ...]]] = [
    ("d01", "Casco Antiguo", 18400, (0.09, 0.22, 0.21, 0.24, 0.24), (0.12, 0.14, 0.18, 0.24, 0.32)),
    ("d02", "Ribera Norte", 31200, (0.16, 0.17, 0.24, 0.27, 0.16), (0.08, 0.14, 0.22, 0.27, 0.29)),
    ("d03", "San Lázaro", 27900, (0.13, 0.16, 0.20, 0.26, 0.25), (0.20, 0.22, 0.22, 0.20, 0.16)),
    ("d04", "Los Olivos", 39800, (0.19, 0.20, 0.24, 0.23, 0.14), (0.34, 0.26, 0.20, 0.13, 0.07)),
    ("d05", "La Estación", 24500, (0.14, 0.24, 0.25, 0.22, 0.15), (0.24, 0.23, 0.21, 0.18, 0.14)),
    ("d06", "El Ensanche", 35600, (0.15, 0.15, 0.23, 0.28, 0.19), (0.06, 0.11, 0.19, 0.28, 0.36)),
    ("d07", "Huerta Baja", 22100, (0.18, 0.18, 0.21, 0.25, 0.18), (0.30, 0.25, 0.21, 0.15, 0.09)),
    ("d08", "Barrio Alto", 16300, (0.11, 0.14, 0.18, 0.27, 0.30), (0.16, 0.20, 0.22, 0.22, 0.20)),
    ("d09", "Las Canteras", 29400, (0.21, 0.21, 0.23, 0.22, 0.13), (0.38, 0.27, 0.18, 0.11, 0.06)),
    ("d10", "Vista Alegre", 26800, (0.17, 0.16, 0.25, 0.26, 0.16), (0.14, 0.18, 0.23, 0.24, 0.21)),
    ("d11", "El Polígono", 12700, (0.20, 0.23, 0.26, 0.21, 0.10), (0.41, 0.28, 0.17, 0.09, 0.05)),
    ("d12", "Monte Claro", 20900, (0.16, 0.13, 0.22, 0.30, 0.19), (0.05, 0.09, 0.17, 0.29, 0.40)),
]
AGE_BANDS = ("0-14", "15-29", "30-44", "45-64", "65+")

DEPARTMENTS = [
    ("roads", gettext_noop("Roads and pavements")),
    ("lighting", gettext_noop("Street lighting")),
    ("waste", gettext_noop("Waste and cleaning")),
    ("parks", gettext_noop("Parks and trees")),
    ("water", gettext_noop("Water and drainage")),
    ("transport", gettext_noop("Public transport")),
    ("social-services", gettext_noop("Social services")),
    ("environment", gettext_noop("Environment")),
]


def _other_names(name: str) -> dict[str, str]:
    """The demo department's name in the city's other languages, from the site's catalogs."""
    names = {}
    for language, _label in settings.LANGUAGES:
        if language != settings.LANGUAGE_CODE:
            with translation.override(language):
                names[language] = translation.gettext(name)
    return names


ORGANISATIONS = [
    (
        "vecinos-olivos",
        "Asociación Vecinal Los Olivos",
        "d04",
        "Residents' association of Los Olivos, running a weekly advice desk.",
    ),
    (
        "mayores-activos",
        "Mayores Activos",
        "d08",
        "Older residents who visit neighbours and help them take part.",
    ),
    (
        "juventud-canteras",
        "Colectivo Juvenil Las Canteras",
        "d09",
        "Young people organising sport, music and study space.",
    ),
    ("bici-ribera", "Bici Ribera", "d02", "Cyclists and walkers campaigning for safe streets."),
]

DEMO_ACCOUNTS = [
    ("resident@demo.cocity.city", Role.RESIDENT, "Lucía (resident)"),
    ("organiser@demo.cocity.city", Role.ORGANISATION_MEMBER, "Ahmed (Los Olivos association)"),
    ("moderator@demo.cocity.city", Role.MODERATOR, "Marta (moderator)"),
    ("official@demo.cocity.city", Role.OFFICIAL, "Jorge (roads and lighting)"),
    ("admin@demo.cocity.city", Role.ADMIN, "Admin"),
]


# streets joining neighbouring district centres (west-east, then north-south), and two short
# crossing streets through each centre; house numbers every ~30 m along each
LONG_STREETS = [
    "Calle Mayor",
    "Avenida de la Constitución",
    "Calle del Río",
    "Paseo de la Estación",
    "Avenida de Portugal",
    "Calle Real",
    "Calle de los Olivos",
    "Avenida de Salamanca",
    "Calle Ancha",
    "Calle de San Lázaro",
    "Paseo del Rector Esperabé",
    "Avenida de Mirat",
    "Calle Toro",
    "Calle Zamora",
    "Avenida de Villamayor",
    "Calle de la Huerta",
    "Camino de las Canteras",
]
SHORT_STREETS = [
    ("Calle del Prior", "Calle de la Rúa"),
    ("Calle Alfonso IX", "Calle del Puente"),
    ("Calle Sánchez Barbero", "Calle de la Fuente"),
    ("Calle de los Almendros", "Calle del Olmo"),
    ("Calle del Tren", "Calle de los Andenes"),
    ("Calle Gran Vía", "Calle de María Auxiliadora"),
    ("Calle del Azahar", "Calle de las Acequias"),
    ("Calle del Mirador", "Calle de la Cuesta"),
    ("Calle de la Cantera", "Calle del Granito"),
    ("Calle de la Alegría", "Calle del Sol"),
    ("Calle de la Industria", "Calle del Taller"),
    ("Calle del Pinar", "Calle de la Encina"),
]
NAMED_PLACES = [
    ("d01", "Plaza Mayor"),
    ("d02", "Parque de la Ribera"),
    ("d03", "Hospital de San Lázaro"),
    ("d04", "Mercado de Los Olivos"),
    ("d05", "Estación de autobuses"),
    ("d06", "Plaza de España"),
    ("d07", "Huerto comunitario"),
    ("d08", "Mirador del Alto"),
    ("d09", "Polideportivo Las Canteras"),
    ("d10", "Biblioteca Vista Alegre"),
    ("d11", "Centro de empresas"),
    ("d12", "Colegio Monte Claro"),
]
HOUSE_SPACING_M = 30


def _street(name: str, a: tuple[float, float], b: tuple[float, float]) -> list[PlaceRow]:
    """House numbers 1, 2, 3… every ``HOUSE_SPACING_M`` metres from a to b (lat, lon)."""
    dy = (b[0] - a[0]) * 111_195
    dx = (b[1] - a[1]) * 111_195 * math.cos(math.radians(a[0]))
    steps = max(1, int(math.hypot(dx, dy) / HOUSE_SPACING_M))
    return [
        PlaceRow(
            name=name,
            number=str(i + 1),
            kind="address",
            lat=round(a[0] + (b[0] - a[0]) * i / steps, 6),
            lon=round(a[1] + (b[1] - a[1]) * i / steps, 6),
        )
        for i in range(steps + 1)
    ]


def demo_places(centres: dict[str, tuple[float, float]]) -> list[PlaceRow]:
    """The demo city's gazetteer, the same on every run (no randomness): about 2,000 rows."""
    codes = [code for code, *_ in DISTRICTS]
    grid = [codes[r * COLS : (r + 1) * COLS] for r in range(ROWS)]  # north row first
    pairs = [(row[c], row[c + 1]) for row in grid for c in range(COLS - 1)]
    pairs += [(grid[r][c], grid[r + 1][c]) for r in range(ROWS - 1) for c in range(COLS)]
    rows: list[PlaceRow] = []
    for name, (a, b) in zip(LONG_STREETS, pairs, strict=True):
        rows += _street(name, centres[a], centres[b])
    half_lat, half_lon = CELL_LAT * 0.3, CELL_LON * 0.3
    for code, (across, down) in zip(codes, SHORT_STREETS, strict=True):
        lat, lon = centres[code]
        # offset from the centre so they do not sit on the long streets
        lat_off, lon_off = lat + CELL_LAT * 0.12, lon + CELL_LON * 0.12
        rows += _street(across, (lat_off, lon - half_lon), (lat_off, lon + half_lon))
        rows += _street(down, (lat + half_lat, lon_off), (lat - half_lat, lon_off))
    for code, name in NAMED_PLACES:
        lat, lon = centres[code]
        rows.append(
            PlaceRow(name=name, number="", kind="place", lat=lat - CELL_LAT * 0.05, lon=lon)
        )
    return rows


def district_polygons(rng: Any) -> list[dict[str, Any]]:
    """A 4 × 3 mesh of districts with jittered shared vertices and edge midpoints, so the
    polygons tile without gaps or overlaps and look hand-drawn rather than square."""
    south = CENTRE_LAT - ROWS * CELL_LAT / 2
    west = CENTRE_LON - COLS * CELL_LON / 2

    def jitter(i: int, j: int, imax: int, jmax: int) -> tuple[float, float]:
        lat = south + i * CELL_LAT
        lon = west + j * CELL_LON
        if 0 < i < imax:
            lat += rng.uniform(-0.2, 0.2) * CELL_LAT
        if 0 < j < jmax:
            lon += rng.uniform(-0.2, 0.2) * CELL_LON
        return lon, lat

    verts = [[jitter(i, j, ROWS, COLS) for j in range(COLS + 1)] for i in range(ROWS + 1)]

    def midpoint(
        a: tuple[float, float], b: tuple[float, float], horizontal: bool
    ) -> tuple[float, float]:
        lon, lat = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
        if horizontal:
            lat += rng.uniform(-0.12, 0.12) * CELL_LAT
        else:
            lon += rng.uniform(-0.12, 0.12) * CELL_LON
        return lon, lat

    hmid = [
        [midpoint(verts[i][j], verts[i][j + 1], True) for j in range(COLS)] for i in range(ROWS + 1)
    ]
    vmid = [
        [midpoint(verts[i][j], verts[i + 1][j], False) for j in range(COLS + 1)]
        for i in range(ROWS)
    ]
    polygons = []
    for r in range(ROWS - 1, -1, -1):  # north row first, so d01 is in the north-west
        for c in range(COLS):
            ring = [
                verts[r][c],
                hmid[r][c],
                verts[r][c + 1],
                vmid[r][c + 1],
                verts[r + 1][c + 1],
                hmid[r + 1][c],
                verts[r + 1][c],
                vmid[r][c],
                verts[r][c],
            ]
            coords = [[round(lon, 6), round(lat, 6)] for lon, lat in ring]
            polygons.append({"type": "Polygon", "coordinates": [coords]})
    return polygons


@register("core", order=0)
def seed_core(ctx: SeedContext) -> None:
    if Area.objects.exists():
        ctx.log("core: areas exist, skipping")
        return
    for (code, name, pop, ages, income), boundary in zip(
        DISTRICTS, district_polygons(ctx.rng), strict=True
    ):
        services.area_upsert(
            code=code,
            name=name,
            boundary=boundary,
            population=pop * ctx.scale,
            demographics={
                "age_bands": dict(zip(AGE_BANDS, ages, strict=True)),
                "income_quintiles": list(income),
            },
        )
    services.place_import(
        rows=demo_places({a.code: (a.centroid_lat, a.centroid_lon) for a in Area.objects.all()})
    )
    departments = {
        code: services.department_create(
            code=code, name=name, email=f"{code}@demo.cocity.city", names=_other_names(name)
        )
        for code, name in DEPARTMENTS
    }
    areas = {a.code: a for a in Area.objects.all()}
    organisations = [
        services.organisation_create(slug=slug, name=name, description=desc, area=areas[area])
        for slug, name, area, desc in ORGANISATIONS
    ]
    for email, role, display in DEMO_ACCOUNTS:
        user = services.user_create(
            email=email,
            password=DEMO_PASSWORD,
            role=role,
            display_name=display,
            departments=(
                [departments["roads"], departments["lighting"]] if role == Role.OFFICIAL else None
            ),
            organisations=[organisations[0]] if role == Role.ORGANISATION_MEMBER else None,
        )
        user.home_area = areas["d04"] if role == Role.RESIDENT else None
        user.save(update_fields=["home_area"])
    # A crowd of residents (no password: they stand for people who took part on paper or by phone)
    codes = list(areas)
    weights = [a.population for a in areas.values()]
    for i in range(60 * ctx.scale):
        User.objects.create(
            email=f"resident{i:04d}@demo.cocity.city",
            display_name=f"Resident {i:04d}",
            home_area=areas[ctx.rng.choices(codes, weights)[0]],
            password="!",  # noqa: S106 — Django's mark for "no usable password"
        )
    ctx.shared["departments"] = departments
    ctx.shared["areas"] = areas
