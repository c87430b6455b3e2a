"""The geometry of the outcome chart: target against actual over time, as SVG coordinates."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

Number = float | int | Decimal


@dataclass(frozen=True)
class Chart:
    """Everything a template needs to draw the chart: the plot box, the actual series as points,
    the target line (baseline at the first date to target at the target date), y-axis ticks."""

    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int
    actual: list[tuple[float, float]] = field(default_factory=list)
    target: list[tuple[float, float]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_ticks: list[tuple[float, date]] = field(default_factory=list)

    @property
    def actual_points(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.actual)

    @property
    def target_points(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.target)


def _fmt(value: float) -> str:
    return f"{round(value, 6):g}"


def nice_range(lo: float, hi: float, ticks: int = 4) -> tuple[float, float, float]:
    """An axis from ``lo`` to ``hi`` widened to round numbers, and its step: about ``ticks``
    steps of 1, 2, 2.5 or 5 times a power of ten (0–100 in steps of 25, not 57.25–97.75)."""
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    raw = (hi - lo) / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return math.floor(lo / step) * step, math.ceil(hi / step) * step, step


def chart_layout(
    *,
    series: Sequence[tuple[date, Number]],
    baseline: Number,
    target: Number,
    start: date,
    target_date: date,
    width: int = 640,
    height: int = 280,
    margin: tuple[int, int, int, int] = (16, 16, 40, 64),  # top, right, bottom, left
) -> Chart:
    """Lay out the measured ``series`` and the straight path from ``baseline`` on ``start`` to
    ``target`` on ``target_date`` in a ``width`` × ``height`` box (y grows downwards in SVG)."""
    top, right_m, bottom_m, left = margin
    right, bottom = width - right_m, height - bottom_m
    days = [start, target_date, *(d for d, _ in series)]
    d0, d1 = min(days), max(days)
    span_days = max((d1 - d0).days, 1)
    values = [float(baseline), float(target), *(float(v) for _, v in series)]
    lo, hi, step = nice_range(min(values), max(values))
    ticks = [lo + i * step for i in range(round((hi - lo) / step) + 1)]

    def x(d: date) -> float:
        return left + (right - left) * (d - d0).days / span_days

    def y(v: float) -> float:
        return bottom - (bottom - top) * (v - lo) / (hi - lo)

    return Chart(
        width=width,
        height=height,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        actual=[(x(d), y(float(v))) for d, v in sorted(series)],
        target=[(x(start), y(float(baseline))), (x(target_date), y(float(target)))],
        y_ticks=[(y(t), _fmt(t)) for t in ticks],
        x_ticks=[(x(d0), d0), (x(d1), d1)],
    )
