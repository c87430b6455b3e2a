"""Server-drawn SVG of the equity pages: the district choropleth (classes shown by colour AND a
pattern AND the value written on each district, with a legend) and small bar charts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

from cocity.compute.geo import svg_paths
from cocity.core import selectors as core_selectors

MAP_WIDTH = 640
_FIRST_POINT = re.compile(r"M(-?[\d.]+),(-?[\d.]+)")
CLASSES = 5


def _outlines() -> dict[str, Any]:
    """District paths and label points, cached until the areas change (core's revision)."""
    key = "equity:outlines:" + core_selectors.revision(core_selectors.AREAS_REVISION)
    cached = cache.get(key)
    if cached is None:
        areas = list(
            core_selectors.districts().values(
                "code", "name", "boundary", "centroid_lat", "centroid_lon"
            )
        )
        tiny = 1e-6  # each centroid as a tiny triangle, so svg_paths puts it in the same frame
        dots = [
            {
                "type": "Polygon",
                "coordinates": [
                    [
                        [a["centroid_lon"], a["centroid_lat"]],
                        [a["centroid_lon"] + tiny, a["centroid_lat"]],
                        [a["centroid_lon"], a["centroid_lat"] + tiny],
                        [a["centroid_lon"], a["centroid_lat"]],
                    ]
                ],
            }
            for a in areas
        ]
        paths, width, height = svg_paths([a["boundary"] for a in areas] + dots, width=MAP_WIDTH)
        shapes = {}
        for a, d, dot in zip(areas, paths, paths[len(areas) :], strict=False):
            m = _FIRST_POINT.match(dot)
            x, y = (float(m.group(1)), float(m.group(2))) if m else (0.0, 0.0)
            shapes[a["code"]] = {"name": a["name"], "d": d, "x": x, "y": y}
        cached = {"width": width, "height": height, "shapes": shapes}
        cache.set(key, cached, 3600)
    return cached


@dataclass
class MapShape:
    code: str
    name: str
    d: str
    x: float
    y: float
    value: float | None
    klass: int | None  # 0 (lowest) … CLASSES - 1, None without a value
    text: str


@dataclass
class Choropleth:
    width: float
    height: float
    shapes: list[MapShape]
    legend: list[tuple[int, str]]  # (class, "from – to")


def breaks(values: list[float], k: int = CLASSES) -> list[float]:
    """Upper bounds of ``k`` quantile classes (equal numbers of districts per class)."""
    ordered = sorted(values)
    if not ordered:
        return []
    return [ordered[min(len(ordered) - 1, (len(ordered) * (i + 1)) // k - 1)] for i in range(k)]


def choropleth(
    rows: list[dict[str, Any]], measure: str, fmt: Any, *, unit_text: str = ""
) -> Choropleth:
    outlines = _outlines()
    values = {r["code"]: r["indicators"].get(measure) for r in rows}
    present = [v for v in values.values() if v is not None]
    bounds = breaks(present)
    shapes = []
    for code, shape in outlines["shapes"].items():
        value = values.get(code)
        klass = None
        if value is not None and bounds:
            klass = next((i for i, b in enumerate(bounds) if value <= b), len(bounds) - 1)
        shapes.append(
            MapShape(
                code=code,
                name=shape["name"],
                d=shape["d"],
                x=shape["x"],
                y=shape["y"],
                value=value,
                klass=klass,
                text=fmt(value) if value is not None else "—",
            )
        )
    legend = []
    low = min(present) if present else None
    for i, b in enumerate(bounds):
        if i > 0 and b == bounds[i - 1]:
            continue
        legend.append((i, f"{fmt(low)} – {fmt(b)}{unit_text}"))
        low = b
    return Choropleth(outlines["width"], outlines["height"], shapes, legend)


@dataclass
class Bar:
    label: str
    value: float | None
    text: str
    width: float  # 0..1 of the chart
    mark: float | None = None  # a reference (e.g. the population share), 0..1


def bars(
    items: list[tuple[str, float | None]], fmt: Any, *, marks: list[float | None] | None = None
) -> list[Bar]:
    top = max([v for _l, v in items if v is not None] + [m for m in (marks or []) if m] + [0.0])
    out = []
    for i, (label, value) in enumerate(items):
        mark = (marks or [None] * len(items))[i]
        out.append(
            Bar(
                label=label,
                value=value,
                text=fmt(value) if value is not None else "—",
                width=(value or 0) / top if top else 0.0,
                mark=(mark / top) if (mark is not None and top) else None,
            )
        )
    return out
