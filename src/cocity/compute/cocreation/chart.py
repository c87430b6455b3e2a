"""The geometry of the outcome chart: target against actual over time, as SVG coordinates."""

from __future__ import annotations

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
    return f"{value:.10g}" if abs(value) >= 1 or value == 0 else f"{value:.3g}"


def chart_layout(
    *,
    series: Sequence[tuple[date, Number]],
    baseline: Number,
    target: Number,
    start: date,
    target_date: date,
    width: int = 640,
    height: int = 280,
    margin: tuple[int, int, int, int] = (16, 16, 32, 56),  # top, right, bottom, left
) -> Chart:
    """Lay out the measured ``series`` and the straight path from ``baseline`` on ``start`` to
    ``target`` on ``target_date`` in a ``width`` × ``height`` box (y grows downwards in SVG)."""
    top, right_m, bottom_m, left = margin
    right, bottom = width - right_m, height - bottom_m
    days = [start, target_date, *(d for d, _ in series)]
    d0, d1 = min(days), max(days)
    span_days = max((d1 - d0).days, 1)
    values = [float(baseline), float(target), *(float(v) for _, v in series)]
    lo, hi = min(values), max(values)
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    pad = (hi - lo) * 0.05
    lo, hi = lo - pad, hi + pad

    def x(d: date) -> float:
        return left + (right - left) * (d - d0).days / span_days

    def y(v: float) -> float:
        return bottom - (bottom - top) * (v - lo) / (hi - lo)

    ticks = [lo + (hi - lo) * i / 4 for i in range(5)]
    return Chart(
        width=width,
        height=height,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        actual=[(x(d), y(float(v))) for d, v in sorted(series)],
        target=[(x(start), y(float(baseline))), (x(target_date), y(float(target)))],
        y_ticks=[(y(t), _fmt(round(t, 2))) for t in ticks],
        x_ticks=[(x(d0), d0), (x(d1), d1)],
    )
