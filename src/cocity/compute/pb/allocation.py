"""Splitting a total budget between districts: by population or by a need-weighted formula.

Amounts are whole currency units; the split is exact (largest remainder: each district gets the
floor of its exact share, and the units left over go to the largest remainders, ties to the
earlier key in sorted order), so the parts always add up to the total.

Need-weighted formula (documented in docs/budgeting.md): a district's weight is

    population × (1 + need index),  need index = (its open reports per resident)
                                                 ÷ (the city's open reports per resident)

so half of the total follows population and half follows the open reports. (Population × open
reports per resident alone would just be the number of open reports.) With no open reports
anywhere the need index is 0 and the split is by population.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction


def split_by_weights(total: int, weights: Mapping[str, Fraction | int]) -> dict[str, int]:
    """``total`` split in proportion to ``weights`` (non-negative, not all zero)."""
    if total < 0:
        raise ValueError("the total must not be negative")
    w = {k: Fraction(v) for k, v in weights.items()}
    if any(v < 0 for v in w.values()):
        raise ValueError("weights must not be negative")
    whole = sum(w.values(), Fraction(0))
    if whole == 0:
        raise ValueError("at least one weight must be positive")
    exact = {k: total * v / whole for k, v in w.items()}
    out = {k: int(x) for k, x in exact.items()}  # floor: all shares are non-negative
    left = total - sum(out.values())
    order = sorted(exact, key=lambda k: (-(exact[k] - out[k]), k))
    for k in order[:left]:
        out[k] += 1
    return out


def population_weights(population: Mapping[str, int]) -> dict[str, Fraction]:
    return {k: Fraction(v) for k, v in population.items()}


def need_weights(
    population: Mapping[str, int], open_reports: Mapping[str, int]
) -> dict[str, Fraction]:
    """``population × (1 + need index)`` per district (see the module's documentation)."""
    total_pop = sum(population.values())
    total_reports = sum(open_reports.get(k, 0) for k in population)
    out = {}
    for k, pop in population.items():
        if total_reports == 0 or pop == 0:
            index = Fraction(0)
        else:
            index = Fraction(open_reports.get(k, 0), pop) / Fraction(total_reports, total_pop)
        out[k] = pop * (1 + index)
    return out
