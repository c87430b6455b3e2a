"""Template filters of the budget pages."""

from __future__ import annotations

from typing import Any

from django import template

from cocity.budgeting.money import format_money

register = template.Library()


@register.filter
def turnout(envelope: Any) -> float | None:
    """Ballots cast as a percentage of the district's population (None for a city-wide budget
    or a district without a population); ``floatformat`` writes it in the reader's language."""
    population = envelope.area.population if envelope.area else 0
    if not population:
        return None
    return 100 * (envelope.n_ballots or 0) / population


@register.filter
def share(part: Any, envelope: Any) -> float | None:
    """``part`` ballots as a percentage of the district's population (None as ``turnout``)."""
    population = envelope.area.population if envelope.area else 0
    if not population:
        return None
    return 100 * (part or 0) / population


@register.filter
def money(amount: Any) -> str:
    """An amount with the city's currency, written as the reader's language writes it."""
    return format_money(amount)
