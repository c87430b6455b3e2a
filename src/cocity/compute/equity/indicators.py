"""Per-area indicators from aggregate counts: rates per population, medians from histograms."""

from __future__ import annotations

from collections.abc import Mapping


def per(count: float, population: float, unit: float) -> float | None:
    """``count`` per ``unit`` residents (None without residents)."""
    return count * unit / population if population > 0 else None


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole > 0 else None


def histogram_median(histogram: Mapping[int, int] | Mapping[str, int]) -> float | None:
    """The median of values counted in whole-unit buckets (``{value: count}``), the middle of
    the bucket holding the middle observation (an even count takes the mean of the two middle
    ones); None when empty."""
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

    if total % 2:
        return nth(total // 2) + 0.5
    return (nth(total // 2 - 1) + nth(total // 2)) / 2 + 0.5


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
