"""Server-drawn SVG: the sensors over the district outlines, and a time series with its
flagged readings marked. Pages need no JavaScript; each figure has a table beside it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import formats, timezone

from cocity.compute.geo import svg_paths
from cocity.compute.sensing import quality
from cocity.sensing.labels import flag_reasons
from cocity.sensing.models import Reading, Sensor

MAP_WIDTH = 560
_FIRST_POINT = re.compile(r"M(-?[\d.]+),(-?[\d.]+)")


@dataclass
class MapPoint:
    sensor: Sensor
    x: float
    y: float


@dataclass
class SensorMap:
    width: float
    height: float
    districts: list[tuple[str, str]]  # (name, path)
    points: list[MapPoint]


def sensor_map(sensors: Sequence[Sensor], districts: Sequence[Mapping[str, Any]]) -> SensorMap:
    """The districts' outlines and a dot per located sensor, in one frame."""
    located = [(s, s.lon, s.lat) for s in sensors if s.lat is not None and s.lon is not None]
    tiny = 1e-6  # a sensor as a tiny triangle, so svg_paths puts it in the districts' frame
    dots = [
        {
            "type": "Polygon",
            "coordinates": [[[x, y], [x + tiny, y], [x + tiny, y + tiny], [x, y]]],
        }
        for _, x, y in located
    ]
    paths, width, height = svg_paths([d["boundary"] for d in districts] + dots, width=MAP_WIDTH)
    points = []
    for (sensor, _, _), path in zip(located, paths[len(districts) :], strict=True):
        match = _FIRST_POINT.match(path)
        if match:
            points.append(MapPoint(sensor, float(match.group(1)), float(match.group(2))))
    return SensorMap(
        width=width,
        height=height,
        districts=[(d["name"], p) for d, p in zip(districts, paths, strict=False)],
        points=points,
    )


@dataclass
class Marked:
    x: float
    y: float
    label: str


@dataclass
class Chart:
    width: int
    height: int
    lines: list[str] = field(default_factory=list)  # polyline points, one per unbroken stretch
    flagged: list[Marked] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    left: int = 48
    bottom: int = 0


def time_chart(
    rows: Sequence[Reading], *, start: datetime, end: datetime, width: int = 640, height: int = 240
) -> Chart:
    """Usable readings as lines (broken where readings are missing), flagged ones as marks."""
    left, right, top, bottom = 48, 10, 10, height - 24
    chart = Chart(width=width, height=height, left=left, bottom=bottom)
    if not rows:
        return chart
    values = [r.value for r in rows if quality.is_usable(r.flags)] or [r.value for r in rows]
    low, high = min(values), max(values)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.05
    low, high = low - pad, high + pad
    t0, t1 = start.timestamp(), end.timestamp()
    span = max(t1 - t0, 1.0)

    def x(when: datetime) -> float:
        return round(left + (when.timestamp() - t0) / span * (width - left - right), 1)

    def y(value: float) -> float:
        clipped = min(max(value, low), high)
        return round(bottom - (clipped - low) / (high - low) * (bottom - top), 1)

    series = [(r.observed_at.timestamp(), r.value) for r in rows]
    interval = quality.usual_interval(series) or 3600.0
    stretch: list[str] = []
    previous: datetime | None = None
    for r in rows:
        broken = previous is not None and (r.observed_at - previous).total_seconds() > 2 * interval
        if broken and stretch:
            chart.lines.append(" ".join(stretch))
            stretch = []
        if quality.is_usable(r.flags):
            stretch.append(f"{x(r.observed_at)},{y(r.value)}")
            previous = r.observed_at
        else:
            when = formats.date_format(timezone.localtime(r.observed_at), "SHORT_DATETIME_FORMAT")
            label = (
                f"{when}: {formats.number_format(r.value, 1)} — {', '.join(flag_reasons(r.flags))}"
            )
            chart.flagged.append(Marked(x(r.observed_at), y(r.value), label))
    if stretch:
        chart.lines.append(" ".join(stretch))
    for k in range(5):
        value = low + (high - low) * k / 4
        chart.y_ticks.append((y(value), formats.number_format(value, 0)))
    day = timezone.localtime(start).replace(hour=0, minute=0, second=0, microsecond=0)
    step = max(1, round(span / 86400 / 7))
    while day <= end:
        if day >= start:
            # the reader's date format without its year ("5 Dec" / "5 dic")
            day_month = formats.get_format("DATE_FORMAT").replace(" Y", "").replace("Y", "")
            chart.x_ticks.append((x(day), formats.date_format(day, day_month.strip())))
        day += timedelta(days=step)
    return chart
