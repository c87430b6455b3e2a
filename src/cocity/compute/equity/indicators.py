"""Per-area indicators from aggregate counts: rates per population, medians from histograms."""

from __future__ import annotations

from collections.abc import Callable, Mapping


def per(count: float, population: float, unit: float) -> float | None:
    """``count`` per ``unit`` residents (None without residents)."""
    return count * unit / population if population > 0 else None


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole > 0 else None


#: Durations in hours are counted in buckets: every hour for two days, every 6 hours up to a
#: week, every day up to 90 days, then one bucket for anything longer. A bucket is named by its
#: first hour; ``cocity.needs.durations.hours_bucket`` computes the same in the database.
HOURS_FINE, HOURS_WEEK, HOURS_CAP = 48, 168, 2160


def hour_bucket(hours: int) -> int:
    if hours < HOURS_FINE:
        return max(hours, 0)
    if hours < HOURS_WEEK:
        return HOURS_FINE + (hours - HOURS_FINE) // 6 * 6
    if hours < HOURS_CAP:
        return HOURS_WEEK + (hours - HOURS_WEEK) // 24 * 24
    return HOURS_CAP


def hour_bucket_width(lower: int) -> int:
    if lower < HOURS_FINE:
        return 1
    if lower < HOURS_WEEK:
        return 6
    return 24


def histogram_median(
    histogram: Mapping[int, int] | Mapping[str, int], width: Callable[[int], int] = lambda _b: 1
) -> float | None:
    """The median of values counted in buckets (``{first value: count}``, each ``width(first)``
    wide): the middle of the bucket holding the middle observation (an even count takes the mean
    of the two middle ones); None when empty."""
    items = sorted((int(k), int(v)) for k, v in histogram.items() if int(v) > 0)
    total = sum(v for _k, v in items)
    if total == 0:
        return None

    def nth(n: int) -> int:
        seen = 0
        for key, count in items:
            seen += count
            if seen > n:
                return key
        return items[-1][0]

    def middle(b: int) -> float:
        return b + width(b) / 2

    if total % 2:
        return middle(nth(total // 2))
    return (middle(nth(total // 2 - 1)) + middle(nth(total // 2))) / 2


def linear_projection(times: list[float], values: list[float], at: float) -> float | None:
    """The least-squares line through ``(times, values)`` evaluated at ``at``; with one point,
    that point's value (no trend to follow); None with none."""
    if not times:
        return None
    if len(times) == 1 or max(times) == min(times):
        return values[-1]
    n = len(times)
    mt, mv = sum(times) / n, sum(values) / n
    cov = sum((t - mt) * (v - mv) for t, v in zip(times, values, strict=True))
    var = sum((t - mt) ** 2 for t in times)
    return mv + cov / var * (at - mt)
