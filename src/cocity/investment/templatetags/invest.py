from __future__ import annotations

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.formats import number_format

register = template.Library()


@register.filter
def euros(cents: int | None) -> str:
    """Cents as a localised amount of euros: ``123450`` -> ``1,234.50 €``."""
    value = int(cents or 0)
    whole, rest = divmod(value, 100)
    if rest:
        return f"{number_format(value / 100, 2, use_l10n=True, force_grouping=True)} €"
    return f"{intcomma(whole)} €"


@register.filter
def percent_of(part: int | None, whole: int | None) -> int:
    if not whole:
        return 0
    return min(100, round(100 * int(part or 0) / int(whole)))
