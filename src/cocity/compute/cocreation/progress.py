"""Progress of an implementation from its weighted milestones."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal


def progress_percent(milestones: Iterable[tuple[int, bool]]) -> Decimal:
    """The weight of the milestones done over the weight of all of them, as a percentage with
    one decimal (``[(3, True), (1, False)]`` → 75.0). No milestones, or no weight: 0."""
    total = 0
    done = 0
    for weight, is_done in milestones:
        if weight < 0:
            raise ValueError("a milestone's weight cannot be negative")
        total += weight
        if is_done:
            done += weight
    if total == 0:
        return Decimal("0.0")
    return (Decimal(100 * done) / Decimal(total)).quantize(Decimal("0.1"), ROUND_HALF_UP)
