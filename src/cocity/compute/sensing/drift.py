"""Drift against neighbouring sensors.

A sensor drifts when its readings move away, day after day, from what the sensors around it
measure. A sensor that always reads a little higher (it stands by a busy road) does not drift:
what counts is how its offset from its neighbours *changes*. For each day, the sensor's offset
is its daily mean minus the median of the daily means of its ``k`` nearest neighbours (at least
two of them must have that day). Its baseline is the median offset over the first
``baseline_days`` of the period; a later day drifts when the median offset over the ``window``
days ending there is further from the baseline than both ``min_offset`` (in the quantity's
unit) and ``z`` robust standard deviations of the baseline offsets (1.4826 · MAD).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import median

Position = tuple[float, float]  # latitude, longitude in degrees


@dataclass(frozen=True)
class DriftParams:
    k: int = 4  # neighbours
    window: int = 5  # days in the rolling median of offsets
    baseline_days: int = 7
    z: float = 4.0
    min_offset: float = 0.0


def _km(a: Position, b: Position) -> float:
    phi1, phi2 = math.radians(a[0]), math.radians(b[0])
    h = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, h)))


def neighbours(positions: Mapping[str, Position], k: int) -> dict[str, list[str]]:
    """Each sensor's ``k`` nearest others (ties by name, so the answer is stable)."""
    out = {}
    for name, here in positions.items():
        others = sorted(
            (_km(here, there), other) for other, there in positions.items() if other != name
        )
        out[name] = [other for _, other in others[:k]]
    return out


def offsets(
    daily: Mapping[str, Sequence[float | None]], near: Mapping[str, Sequence[str]]
) -> dict[str, list[float | None]]:
    """Per sensor and day: its daily mean minus the median of its neighbours' (None when it or
    fewer than two neighbours have that day). ``daily`` holds one list of days per sensor, all
    of the same length."""
    out: dict[str, list[float | None]] = {}
    for name, days in daily.items():
        row: list[float | None] = []
        for d, value in enumerate(days):
            around = [v for other in near.get(name, ()) if (v := daily[other][d]) is not None]
            row.append(value - median(around) if value is not None and len(around) >= 2 else None)
        out[name] = row
    return out


def drift(
    daily: Mapping[str, Sequence[float | None]],
    positions: Mapping[str, Position],
    params: DriftParams | None = None,
) -> dict[str, list[float | None]]:
    """Per sensor and day: how far its offset from its neighbours has moved from its baseline
    when that day drifts, else None. Sensors without a position or a baseline are never
    flagged."""
    p = params or DriftParams()
    placed = {name: pos for name, pos in positions.items() if name in daily}
    near = neighbours(placed, p.k)
    off = offsets({n: daily[n] for n in placed}, near)
    out: dict[str, list[float | None]] = {}
    for name in daily:
        n_days = len(daily[name])
        flagged: list[float | None] = [None] * n_days
        out[name] = flagged
        row = off.get(name)
        if row is None:
            continue
        base = [v for v in row[: p.baseline_days] if v is not None]
        if len(base) < max(3, p.baseline_days // 2):
            continue
        centre = median(base)
        spread = 1.4826 * median(abs(v - centre) for v in base)
        limit = max(p.min_offset, p.z * spread)
        for d in range(p.baseline_days, n_days):
            if row[d] is None:
                continue
            recent = [v for v in row[max(0, d - p.window + 1) : d + 1] if v is not None]
            moved = median(recent) - centre
            if abs(moved) > limit:
                flagged[d] = moved
    return out
