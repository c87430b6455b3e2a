"""Reads behind the public map of reports and the date filter of the report lists.

The map counts reports per h3 cell. Stored cells are resolution 9 (about 0.1 km²); the map
rolls them up to the coarsest-but-useful resolution for the city's size, so a town and a
metropolis both get a few dozen to a few hundred hexagons: readable as an SVG, light as GeoJSON.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import h3

from cocity.compute.geo import svg_paths
from cocity.needs import selectors
from cocity.needs.models import H3_RESOLUTION
from cocity.needs.selectors import ReportFilters

__all__ = ["ReportFilters", "ReportMap", "map_resolution", "report_map"]

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
    try:
        valid = h3.is_valid_cell(cell)
        resolution = h3.get_resolution(cell) if valid else -1
    except (ValueError, TypeError, h3.H3BaseException):
        return None
    if not 5 <= resolution <= H3_RESOLUTION:
        return None
    children = [str(c) for c in h3.cell_to_children(cell, H3_RESOLUTION)]
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


# --- the small map of one place ---------------------------------------------------------------

PLACE_MAP_SIZE = 320  # px, square
PLACE_MAP_HALF_M = 250  # the map shows this many metres each side of the place


@dataclass
class PlaceMapLine:
    name: str
    path: str
    label_x: float = 0.0
    label_y: float = 0.0


@dataclass
class PlaceMap:
    size: int
    district: str  # SVG path of the place's district outline ("" if none)
    district_name: str
    streets: list[PlaceMapLine]
    places: list[PlaceMapLine]  # named places: a dot and a label

    @property
    def centre(self) -> float:
        return self.size / 2


def place_map(
    *, lat: float, lon: float, boundary: dict[str, Any] | None, district_name: str = ""
) -> PlaceMap:
    """A small north-up map around (lat, lon): the district outline, the streets of the
    gazetteer that pass within the frame, named places, the place itself at the centre (drawn
    by the template). Server-rendered SVG: no script and no tiles needed."""
    from cocity.core import selectors as core_selectors

    size, half = PLACE_MAP_SIZE, PLACE_MAP_HALF_M
    m_lat = 111_195.0
    m_lon = m_lat * math.cos(math.radians(lat))
    scale = size / (2 * half)

    def xy(x: float, y: float) -> tuple[float, float]:
        return (
            round(size / 2 + (x - lon) * m_lon * scale, 1),
            round(size / 2 - (y - lat) * m_lat * scale, 1),
        )

    def inside(x: float, y: float, margin: float = 0) -> bool:
        px, py = xy(x, y)
        return -margin <= px <= size + margin and -margin <= py <= size + margin

    district = ""
    if boundary:
        polygons = (
            boundary["coordinates"]
            if boundary.get("type") == "MultiPolygon"
            else [boundary.get("coordinates", [])]
        )
        district = "".join(
            "M" + "L".join("{},{}".format(*xy(x, y)) for x, y in ring) + "Z"
            for polygon in polygons
            for ring in polygon
        )
    streets, places = [], []
    placed: list[tuple[float, float]] = []
    for feature in core_selectors.street_lines()["features"]:
        geometry, name = feature["geometry"], feature["properties"]["name"]
        if geometry["type"] == "Point":
            x, y = geometry["coordinates"]
            if inside(x, y, -20):
                px, py = xy(x, y)
                places.append(PlaceMapLine(name=name, path="", label_x=px, label_y=py))
            continue
        coords = geometry["coordinates"]
        shown = [c for c in coords if inside(c[0], c[1], 40)]
        if not shown:
            continue
        # the name about a quarter of the frame away from the marker, so it never hides it,
        # and away from the names already placed
        ranked = sorted(
            (xy(*c) for c in shown),
            key=lambda p: abs(math.dist(p, (size / 2, size / 2)) - size / 4),
        )
        lx, ly = next((p for p in ranked if all(math.dist(p, q) > 50 for q in placed)), ranked[0])
        placed.append((lx, ly))
        streets.append(
            PlaceMapLine(
                name=name,
                path="M" + "L".join("{},{}".format(*xy(x, y)) for x, y in coords),
                label_x=min(max(lx, 40), size - 40),
                label_y=min(max(ly + 12, 12), size - 6),
            )
        )
    return PlaceMap(
        size=size, district=district, district_name=district_name, streets=streets, places=places
    )
