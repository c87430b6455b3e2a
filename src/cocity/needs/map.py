"""Reads behind the public map of reports and the date filter of the report lists.

The map counts reports per h3 cell. Stored cells are resolution 9 (about 0.1 km²); the map
rolls them up to the coarsest-but-useful resolution for the city's size, so a town and a
metropolis both get a few dozen to a few hundred hexagons: readable as an SVG, light as GeoJSON.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import h3
from django.urls import reverse
from django.utils.translation import ngettext, pgettext_lazy

from cocity.compute.geo import svg_paths
from cocity.compute.mapdraw import Box, LabelPlacer, grid_groups
from cocity.needs import selectors
from cocity.needs.models import H3_RESOLUTION, OPEN_STATUSES, Status
from cocity.needs.selectors import ReportFilters

__all__ = [
    "PIN_KINDS",
    "ReportFilters",
    "ReportMap",
    "cell_map",
    "map_resolution",
    "place_map",
    "points_geojson",
    "report_map",
]

MAX_MAP_CELLS = 150  # at most about this many hexagons cover the whole city
SVG_WIDTH = 640
CLASSES = 5  # colour classes of the cell counts


def map_resolution(total_km2: float) -> int:
    """The finest h3 resolution (9 down to 5) at which the city needs at most
    ``MAX_MAP_CELLS`` hexagons."""
    for resolution in range(H3_RESOLUTION, 4, -1):
        if total_km2 / h3.average_hexagon_area(resolution, "km^2") <= MAX_MAP_CELLS:
            return resolution
    return 5


def _cell_polygon(cell: str) -> dict[str, Any]:
    ring = [[lon, lat] for lat, lon in h3.cell_to_boundary(cell)]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def _classes(counts: list[int]) -> list[int]:
    """Upper bounds of ``CLASSES`` colour classes over the counts (quantiles, deduplicated)."""
    values = sorted(counts)
    if not values:
        return []
    bounds: list[int] = []
    for k in range(1, CLASSES + 1):
        bound = values[max(0, math.ceil(k * len(values) / CLASSES) - 1)]
        if not bounds or bound > bounds[-1]:
            bounds.append(bound)
    return bounds


@dataclass
class MapCell:
    cell: str
    count: int
    open: int
    level: int  # colour class, 1 = fewest
    district: str = ""  # name of the district holding the cell's centre
    path: str = ""  # SVG path data in the map's frame
    label_x: float = 0.0
    label_y: float = 0.0


@dataclass
class MapDistrict:
    code: str
    name: str
    population: int
    count: int = 0
    open: int = 0
    path: str = ""

    @property
    def per_1000(self) -> float:
        return self.count * 1000 / self.population if self.population else 0.0


@dataclass
class ReportMap:
    resolution: int
    width: float
    height: float
    total: int
    districts: list[MapDistrict]
    cells: list[MapCell]
    bounds: list[int] = field(default_factory=list)  # upper bound of each colour class
    unplaced: int = 0  # reports outside every district (a redrawn map)

    @property
    def legend(self) -> list[tuple[int, int, int]]:
        """(level, lowest, highest) count of each colour class."""
        rows, low = [], 1
        for level, high in enumerate(self.bounds, start=1):
            rows.append((level, low, high))
            low = high + 1
        return rows

    def geojson(self) -> dict[str, Any]:
        """Cells and district outlines for the Leaflet layer."""
        features: list[dict[str, Any]] = [
            {
                "type": "Feature",
                "geometry": _cell_polygon(c.cell),
                "properties": {
                    "kind": "cell",
                    "cell": c.cell,
                    "count": c.count,
                    "open": c.open,
                    "level": c.level,
                    "district": c.district,
                },
            }
            for c in self.cells
        ]
        return {"type": "FeatureCollection", "features": features}


def report_map(filters: ReportFilters | None = None) -> ReportMap:
    """Counts of the matching reports per district and per map cell, with the SVG frame.

    Two grouped queries (per stored cell, per district); the roll-up to the map's resolution
    happens here, so the numbers in the SVG, the table and the Leaflet layer agree."""
    qs = (filters or ReportFilters()).reports()
    areas = selectors.district_rows()
    resolution = map_resolution(sum(a["area_km2"] for a in areas) or 1.0)
    districts = {
        a["id"]: MapDistrict(code=a["code"], name=a["name"], population=a["population"])
        for a in areas
    }
    unplaced = 0
    for row in selectors.report_counts(qs, "area_id"):
        district = districts.get(row["area_id"])
        if district is None:
            unplaced += row["n"]
            continue
        district.count, district.open = row["n"], row["o"]
    # the stored cells rolled up to the map's resolution
    counts: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    for row in selectors.report_counts(qs, "h3_cell", "area_id"):
        try:
            parent = str(h3.cell_to_parent(row["h3_cell"], resolution))
        except (ValueError, h3.H3BaseException):
            continue  # not a valid cell (should not happen: the service computes it)
        slot = counts.setdefault(parent, [0, 0, 0])
        slot[0] += row["n"]
        slot[1] += row["o"]
        # the district where most of the cell's reports lie names it
        if row["n"] > slot[2] and row["area_id"] in districts:
            slot[2] = row["n"]
            names[parent] = districts[row["area_id"]].name
    bounds = _classes([n for n, _, _ in counts.values()])
    cells = [
        MapCell(
            cell=cell,
            count=n,
            open=o,
            level=next(i for i, b in enumerate(bounds, start=1) if n <= b),
            district=names.get(cell, ""),
        )
        for cell, (n, o, _) in sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0]))
    ]
    # one SVG frame for districts and cells
    geometries = [a["boundary"] for a in areas] + [_cell_polygon(c.cell) for c in cells]
    paths, width, height = svg_paths(geometries, width=SVG_WIDTH)
    for district, path in zip(districts.values(), paths[: len(areas)], strict=True):
        district.path = path
    for cell, path in zip(cells, paths[len(areas) :], strict=True):
        cell.path = path
        xs, ys = _path_centre(path)
        cell.label_x, cell.label_y = xs, ys
    return ReportMap(
        resolution=resolution,
        width=width,
        height=height,
        total=sum(d.count for d in districts.values()) + unplaced,
        districts=list(districts.values()),
        cells=cells,
        bounds=bounds,
        unplaced=unplaced,
    )


CELL_REPORTS = 50  # a selected cell lists at most this many reports, newest first


def cell_reports(filters: ReportFilters | None, cell: str) -> tuple[list[Any], int] | None:
    """The matching reports inside a map cell (any resolution from 5 to 9), newest first, and
    how many there are; None when ``cell`` is not a valid cell of those resolutions."""
    children = _cell_children(cell)
    if children is None:
        return None
    qs = (filters or ReportFilters()).reports().filter(h3_cell__in=children)
    return list(qs[:CELL_REPORTS]), qs.count()


def _path_centre(path: str) -> tuple[float, float]:
    """The mean of a hexagon path's vertices (its centre, for the count label)."""
    points = [p.split(",") for p in path.strip("MZ").split("L")]
    vertices = [(float(x), float(y)) for x, y in points[:-1] or points]
    return (
        round(sum(x for x, _ in vertices) / len(vertices), 1),
        round(sum(y for _, y in vertices) / len(vertices), 1),
    )


# --- pins: the reports one by one ------------------------------------------------------------


@dataclass(frozen=True)
class PinKind:
    """A group of statuses drawn alike: one colour *and* one shape (never colour alone)."""

    key: str
    label: Any  # lazy text
    statuses: tuple[str, ...]
    shape: str  # SVG path data of the pin, centred on (0, 0), about 18 px across

    @property
    def status_labels(self) -> list[str]:
        return [str(Status(s).label) for s in self.statuses]


PIN_KINDS = (
    PinKind(
        "new",
        pgettext_lazy("kind of report status", "New"),
        (Status.SUBMITTED, Status.ACKNOWLEDGED),
        "M-7.5,0a7.5,7.5 0 1,0 15,0a7.5,7.5 0 1,0 -15,0Z",  # a circle
    ),
    PinKind(
        "under-way",
        pgettext_lazy("kind of report status", "Under way"),
        (Status.IN_PROGRESS, Status.SCHEDULED),
        "M0,-9.5L9.5,0L0,9.5L-9.5,0Z",  # a diamond
    ),
    PinKind(
        "fixed",
        pgettext_lazy("kind of report status", "Fixed"),
        (Status.FIXED,),
        "M-7,-7H7V7H-7Z",  # a square
    ),
    PinKind(
        "closed",
        pgettext_lazy("kind of report status", "Closed"),
        (
            Status.DUPLICATE,
            Status.NOT_OUR_RESPONSIBILITY,
            Status.NO_FURTHER_ACTION,
            Status.CLOSED,
        ),
        "M0,-8.5L8.5,7H-8.5Z",  # a triangle
    ),
)
PIN_KIND = {status: kind for kind in PIN_KINDS for status in kind.statuses}
PIN_KIND_KEYS = [kind.key for kind in PIN_KINDS]  # the API's ``kind`` values


def _detail_url() -> Callable[[int], str]:
    """The public page of report ``pk`` (the URL reversed once, not once per point)."""
    marker = 987654321
    pattern = reverse("needs:detail", args=[marker])
    return lambda pk: pattern.replace(str(marker), str(pk))


def points_geojson(
    filters: ReportFilters, *, bbox: tuple[float, float, float, float]
) -> dict[str, Any]:
    """The matching public reports inside ``bbox`` as a GeoJSON FeatureCollection for the map's
    pins: number, status (code, label, pin kind), category (code, label) and page; no text and
    nothing about the person. Empty with ``truncated`` when more than ``POINTS_LIMIT`` match."""
    points, truncated = selectors.report_points(filters.reports(), bbox=bbox)
    categories = selectors.category_labels() if points else {}
    url = _detail_url()
    status_labels = {value: str(label) for value, label in Status.choices}
    features = []
    for p in points:
        code, label = categories.get(p.category_id, ("", ""))
        features.append(
            {
                "type": "Feature",
                "id": p.id,
                "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                "properties": {
                    "id": p.id,
                    "status": p.status,
                    "status_label": status_labels[p.status],
                    "kind": PIN_KIND[p.status].key,
                    "open": p.status in OPEN_STATUSES,
                    "category": code,
                    "category_label": label,
                    "url": url(p.id),
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "limit": selectors.POINTS_LIMIT,
        "truncated": truncated,
        "features": features,
    }


# --- small north-up maps drawn by the server ---------------------------------------------------

M_PER_DEGREE_LAT = 111_195.0
LABEL_PX = 11  # font size of the street and place names (needs.css)


@dataclass(frozen=True)
class _Frame:
    """(lon, lat) → SVG pixels of a small map centred on (lat, lon) (equirectangular: true to
    a few metres over a kilometre)."""

    lat: float
    lon: float
    width: float
    height: float
    px_per_m: float

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        m_lon = M_PER_DEGREE_LAT * math.cos(math.radians(self.lat))
        return (
            round(self.width / 2 + (lon - self.lon) * m_lon * self.px_per_m, 1),
            round(self.height / 2 - (lat - self.lat) * M_PER_DEGREE_LAT * self.px_per_m, 1),
        )

    def inside(self, lon: float, lat: float, margin: float = 0) -> bool:
        x, y = self.xy(lon, lat)
        return -margin <= x <= self.width + margin and -margin <= y <= self.height + margin

    def path(self, coords: list[list[float]] | list[tuple[float, float]]) -> str:
        return "M" + "L".join("{},{}".format(*self.xy(x, y)) for x, y in coords)


@dataclass
class PlaceMapLine:
    name: str
    path: str
    label_x: float = 0.0
    label_y: float = 0.0


@dataclass
class MapLabel:
    name: str
    x: float
    y: float


def _background(
    frame: _Frame, placer: LabelPlacer
) -> tuple[list[PlaceMapLine], list[PlaceMapLine], list[MapLabel]]:
    """The gazetteer's streets (paths), named places (dots) and their names inside the frame.

    Names never overlap each other nor what ``placer`` already holds: a named place whose name
    has no room is left out; a street keeps its line and loses its name, which is written once
    however many districts the street crosses."""
    from cocity.core import selectors as core_selectors

    centre = (frame.width / 2, frame.height / 2)
    features = core_selectors.street_lines()["features"]
    streets, places, labels = [], [], []
    for feature in features:
        geometry, name = feature["geometry"], feature["properties"]["name"]
        if geometry["type"] != "Point":
            continue
        lon, lat = geometry["coordinates"]
        if not frame.inside(lon, lat, -20):
            continue
        x, y = frame.xy(lon, lat)
        # the dot is taken first, so no other name covers it
        at = placer.place(name, [(x, y - 7), (x, y + 15)])
        if at is None:
            continue
        placer.taken.append(Box(x - 4, y - 4, x + 4, y + 4))
        places.append(PlaceMapLine(name=name, path="", label_x=x, label_y=y))
        labels.append(MapLabel(name, *at))
    named: set[str] = set()
    for feature in features:
        geometry, name = feature["geometry"], feature["properties"]["name"]
        if geometry["type"] != "LineString":
            continue
        coords = geometry["coordinates"]
        if not any(frame.inside(x, y, 40) for x, y in coords):
            continue
        streets.append(PlaceMapLine(name=name, path=frame.path(coords)))
        if name in named:
            continue
        # where the name may go: on the line at its points and between them, the spots about a
        # quarter of the frame from the centre first (clear of the centre, inside the frame)
        spots = [frame.xy(x, y) for x, y in coords]
        spots += [((a[0] + b[0]) / 2, (a[1] + b[1]) / 2) for a, b in itertools.pairwise(spots)]
        spots = [p for p in spots if 0 <= p[0] <= frame.width and 0 <= p[1] <= frame.height]
        spots.sort(key=lambda p: abs(math.dist(p, centre) - min(centre) / 2))
        at = placer.place(name, ((x, y + dy) for x, y in spots for dy in (4, 16, -8)))
        if at is not None:
            named.add(name)
            streets[-1].label_x, streets[-1].label_y = at
            labels.append(MapLabel(name, *at))
    return streets, places, labels


# --- the small map of one place ---------------------------------------------------------------

PLACE_MAP_SIZE = 320  # px, square
PLACE_MAP_HALF_M = 250  # the map shows this many metres each side of the place


@dataclass
class PlaceMap:
    size: int
    district: str  # SVG path of the place's district outline ("" if none)
    district_name: str
    streets: list[PlaceMapLine]
    places: list[PlaceMapLine]  # named places: a dot (its name is among ``labels``)
    labels: list[MapLabel] = field(default_factory=list)  # names that overlap nothing

    @property
    def centre(self) -> float:
        return self.size / 2


def place_map(
    *, lat: float, lon: float, boundary: dict[str, Any] | None, district_name: str = ""
) -> PlaceMap:
    """A small north-up map around (lat, lon): the district outline, the streets of the
    gazetteer that pass within the frame, named places, the place itself at the centre (drawn
    by the template). Server-rendered SVG: no script and no tiles needed."""
    size = PLACE_MAP_SIZE
    frame = _Frame(lat, lon, size, size, size / (2 * PLACE_MAP_HALF_M))
    district = ""
    if boundary:
        polygons = (
            boundary["coordinates"]
            if boundary.get("type") == "MultiPolygon"
            else [boundary.get("coordinates", [])]
        )
        district = "".join(frame.path(ring) + "Z" for polygon in polygons for ring in polygon)
    # no name over the marker in the middle
    c = size / 2
    placer = LabelPlacer(size, size, font_px=LABEL_PX, taken=[Box(c - 14, c - 14, c + 14, c + 14)])
    streets, places, labels = _background(frame, placer)
    return PlaceMap(
        size=size,
        district=district,
        district_name=district_name,
        streets=streets,
        places=places,
        labels=labels,
    )


# --- the selected cell, drawn with its reports (the map page without scripts) ------------------

CELL_MAP_WIDTH = 400  # px
GROUP_PX = 20  # reports closer than about this on the drawing share one numbered circle
GROUP_TITLE_REPORTS = 10  # a circle's title names at most this many reports


@dataclass
class MapPin:
    x: float
    y: float
    kind: PinKind
    title: str
    url: str


@dataclass
class MapGroup:
    x: float
    y: float
    count: int
    title: str


@dataclass
class CellMap:
    cell: str
    width: float
    height: float
    outline: str  # the cell's hexagon
    streets: list[PlaceMapLine]
    places: list[PlaceMapLine]
    labels: list[MapLabel]
    pins: list[MapPin]
    groups: list[MapGroup]
    total: int  # the matching reports in the cell (0 when ``truncated``)
    truncated: bool  # too many to draw one by one
    bounds: list[list[float]] = field(default_factory=list)  # [[south, west], [north, east]]
    ring: list[list[float]] = field(default_factory=list)  # the outline's [lat, lon] corners

    @property
    def kinds(self) -> tuple[PinKind, ...]:
        return PIN_KINDS


def _cell_children(cell: str) -> list[str] | None:
    """The stored (resolution-9) cells inside ``cell``; None unless it is a valid cell of
    resolution 5 to 9."""
    try:
        valid = h3.is_valid_cell(cell)
        resolution = h3.get_resolution(cell) if valid else -1
    except (ValueError, TypeError, h3.H3BaseException):
        return None
    if not 5 <= resolution <= H3_RESOLUTION:
        return None
    return [str(c) for c in h3.cell_to_children(cell, H3_RESOLUTION)]


def cell_map(filters: ReportFilters | None, cell: str) -> CellMap | None:
    """The selected cell zoomed in: its outline, the streets around, and each matching report
    as a pin by status (reports drawn close together as one numbered circle); None for an
    invalid cell. Up to ``POINTS_LIMIT`` reports; more, and only the outline is drawn."""
    children = _cell_children(cell)
    if children is None:
        return None
    ring = [(lon, lat) for lat, lon in h3.cell_to_boundary(cell)]
    west, east = min(x for x, _ in ring), max(x for x, _ in ring)
    south, north = min(y for _, y in ring), max(y for _, y in ring)
    lat, lon = (south + north) / 2, (west + east) / 2
    span_x = (east - west) * M_PER_DEGREE_LAT * math.cos(math.radians(lat))
    span_y = (north - south) * M_PER_DEGREE_LAT
    width = CELL_MAP_WIDTH
    px_per_m = width * 0.84 / span_x  # a margin of 8 % each side
    height = round(span_y * px_per_m / 0.84)
    frame = _Frame(lat, lon, width, height, px_per_m)
    placer = LabelPlacer(width, height, font_px=LABEL_PX)
    streets, places, labels = _background(frame, placer)
    points, truncated = selectors.report_points(
        (filters or ReportFilters()).reports(), cells=children
    )
    categories = selectors.category_labels() if points else {}
    url = _detail_url()

    def title(p: selectors.ReportPoint) -> str:
        category = categories.get(p.category_id, ("", ""))[1]
        return f"#{p.id} {category} · {Status(p.status).label}"

    xy = [frame.xy(p.lon, p.lat) for p in points]
    pins, groups = [], []
    for members in grid_groups(xy, GROUP_PX):
        if len(members) == 1:
            (i,) = members
            kind = PIN_KIND[points[i].status]
            pins.append(MapPin(*xy[i], kind=kind, title=title(points[i]), url=url(points[i].id)))
            continue
        named = "; ".join(title(points[i]) for i in members[:GROUP_TITLE_REPORTS])
        more = len(members) - GROUP_TITLE_REPORTS
        text = ngettext(
            "%(n)s reports here: %(reports)s", "%(n)s reports here: %(reports)s", len(members)
        ) % {"n": len(members), "reports": named}
        if more > 0:
            text += " " + ngettext("and %(n)s more", "and %(n)s more", more) % {"n": more}
        groups.append(
            MapGroup(
                x=round(sum(xy[i][0] for i in members) / len(members), 1),
                y=round(sum(xy[i][1] for i in members) / len(members), 1),
                count=len(members),
                title=text,
            )
        )
    return CellMap(
        cell=cell,
        width=width,
        height=height,
        outline=frame.path(ring) + "Z",
        streets=streets,
        places=places,
        labels=labels,
        pins=pins,
        groups=groups,
        total=len(points),
        truncated=truncated,
        bounds=[[south, west], [north, east]],
        ring=[[y, x] for x, y in ring],
    )
