"""Amounts of money as people read them: with the currency of ``COCITY_CURRENCY`` and the
digit grouping of the active language (``€1,250`` in English, ``1.250 €`` in Spanish)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import get_language

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹", "BRL": "R$", "MXN": "$"}
#: Languages that write the symbol before the amount (others write it after, with a space).
SYMBOL_FIRST = {"en"}


def format_money(amount: int | None) -> str:
    if amount is None or amount == "":
        return ""
    digits = str(intcomma(int(amount)))
    code = settings.COCITY_CURRENCY
    symbol = SYMBOLS.get(code, code)
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    if language in SYMBOL_FIRST and symbol != code:
        return f"{symbol}{digits}"
    return f"{digits}\u00a0{symbol}"
