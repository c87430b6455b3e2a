"""Quality checks on one sensor's series of one quantity, and the aggregates built on them.

A series is a list of ``(t, value)`` with ``t`` in seconds (any epoch), sorted by ``t``. Each
check returns one bit-set of flags per reading; ``check`` combines them. Flagged readings are
kept (people see what was flagged and why) but left out of aggregates.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import median

RANGE = 1  # outside what the instrument can report
STUCK = 2  # the same value too many times in a row
SPIKE = 4  # jumps away and back (robust z-score of its steps on the median absolute deviation)
GAP = 8  # the first reading after a silence longer than expected
DRIFT = 16  # moving away from the neighbouring sensors (``cocity.compute.sensing.drift``)

FLAG_NAMES = {RANGE: "range", STUCK: "stuck", SPIKE: "spike", GAP: "gap", DRIFT: "drift"}

Series = Sequence[tuple[float, float]]


@dataclass(frozen=True)
class Checks:
    """Parameters of the checks (stored beside their results would be the next step)."""

    stuck_run: int = 6  # this many equal values in a row (and more) are stuck
    stuck_tolerance: float = 1e-9
    spike_z: float = 6.0  # the threshold is high: real pollution peaks are not faults
    gap_factor: float = 3.0  # a silence this many usual intervals long is a gap


def flag_names(flags: int) -> list[str]:
    return [name for bit, name in FLAG_NAMES.items() if flags & bit]


def check_range(series: Series, low: float, high: float) -> list[int]:
    return [0 if low <= v <= high and math.isfinite(v) else RANGE for _, v in series]


def check_stuck(series: Series, run: int, tolerance: float = 1e-9) -> list[int]:
    flags = [0] * len(series)
    start = 0
    for i in range(1, len(series) + 1):
        if i < len(series) and abs(series[i][1] - series[start][1]) <= tolerance:
            continue
        if i - start >= run:
            for j in range(start, i):
                flags[j] = STUCK
        start = i
    return flags


def check_spikes(series: Series, threshold: float) -> list[int]:
    """A reading is a spike when it jumps away from the reading before and back to the reading
    after it, both jumps' robust z-scores, ``0.6745 · |d − median(d)| / MAD(d)`` over every
    step ``d`` of the series, above ``threshold``. A level shift (day to night noise) jumps one
    way only and a busy hour climbs over several steps, so neither is a spike; the first and
    last readings cannot be judged."""
    values = [v for _, v in series]
    if len(values) < 3:
        return [0] * len(values)
    steps = [b - a for a, b in itertools.pairwise(values)]
    centre = median(steps)
    deviations = [abs(d - centre) for d in steps]
    mad = median(deviations)
    if mad == 0:  # more than half the steps equal: the mean deviation, scaled alike
        mad = sum(deviations) / len(deviations) / 1.2533
    flags = [0] * len(values)
    if mad == 0:
        return flags
    for i in range(1, len(values) - 1):
        d_in, d_out = steps[i - 1], steps[i]
        z = 0.6745 * min(abs(d_in - centre), abs(d_out - centre)) / mad
        if d_in * d_out < 0 and z > threshold:
            flags[i] = SPIKE
    return flags


def usual_interval(series: Series) -> float | None:
    """The median time between readings, or None with fewer than two."""
    steps = [b[0] - a[0] for a, b in itertools.pairwise(series) if b[0] > a[0]]
    return median(steps) if steps else None


def check_gaps(series: Series, factor: float, interval: float | None = None) -> list[int]:
    interval = interval or usual_interval(series)
    flags = [0] * len(series)
    if not interval:
        return flags
    for i in range(1, len(series)):
        if series[i][0] - series[i - 1][0] > factor * interval:
            flags[i] = GAP
    return flags


def check(series: Series, *, low: float, high: float, params: Checks | None = None) -> list[int]:
    """Every check's flags, combined per reading. The stuck check looks only at values inside
    the range, and the spike check only at values neither out of range nor stuck, so one absurd
    value or a frozen stretch does not make its neighbours look wrong."""
    p = params or Checks()
    flags = check_range(series, low, high)

    def add(check_unflagged: Callable[[Series], list[int]]) -> None:
        kept = [i for i, f in enumerate(flags) if not f]
        for i, f in zip(kept, check_unflagged([series[i] for i in kept]), strict=True):
            flags[i] |= f

    add(lambda s: check_stuck(s, p.stuck_run, p.stuck_tolerance))
    add(lambda s: check_spikes(s, p.spike_z))
    for i, f in enumerate(check_gaps(series, p.gap_factor)):
        flags[i] |= f
    return flags


def is_usable(flags: int) -> bool:
    """A reading counts in aggregates unless a check doubts its value (a gap before it does
    not make the value wrong)."""
    return not flags & (RANGE | STUCK | SPIKE | DRIFT)


def quality_score(
    series: Series, flags: Sequence[int], *, start: float, end: float, interval: float | None
) -> float | None:
    """The share of the readings expected between ``start`` and ``end`` (one per ``interval``)
    that arrived and are usable, from 0 to 1; None when nothing can be expected."""
    if not interval or end <= start:
        return None
    expected = max(1, round((end - start) / interval))
    usable = sum(
        1 for (t, _), f in zip(series, flags, strict=True) if start <= t < end and is_usable(f)
    )
    return min(1.0, usable / expected)


@dataclass(frozen=True)
class Bucket:
    start: float
    mean: float | None
    low: float | None
    high: float | None
    count: int  # usable readings
    flagged: int
    coverage: float  # usable readings / expected readings, 0 to 1


def aggregate(
    series: Series, flags: Sequence[int], *, size: float, interval: float, start: float, end: float
) -> list[Bucket]:
    """Buckets of ``size`` seconds from ``start`` to ``end``: mean, min and max of the usable
    readings, how many were flagged, and coverage against one reading per ``interval``."""
    n = max(0, math.ceil((end - start) / size))
    values: list[list[float]] = [[] for _ in range(n)]
    flagged = [0] * n
    for (t, v), f in zip(series, flags, strict=True):
        k = int((t - start) // size)
        if not 0 <= k < n:
            continue
        if is_usable(f):
            values[k].append(v)
        else:
            flagged[k] += 1
    expected = max(1.0, size / interval)
    out = []
    for k in range(n):
        vs = values[k]
        out.append(
            Bucket(
                start=start + k * size,
                mean=sum(vs) / len(vs) if vs else None,
                low=min(vs) if vs else None,
                high=max(vs) if vs else None,
                count=len(vs),
                flagged=flagged[k],
                coverage=min(1.0, len(vs) / expected),
            )
        )
    return out
