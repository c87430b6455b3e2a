"""What people read for quantities, flags, statuses (translated)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cocity.compute.sensing import quality

QUANTITY_LABELS: dict[str, str | Promise] = {
    "pm25": "PM2.5",
    "pm10": "PM10",
    "no2": "NO₂",
    "o3": "O₃",
    "so2": "SO₂",
    "co": "CO",
    "temperature": _("Temperature"),
    "relativeHumidity": _("Relative humidity (fraction)"),
    "LAeq": _("Noise (LAeq)"),
    "LAmax": _("Noise peak (LAmax)"),
    "LAS": _("Noise (LAS)"),
    "LAeq_d": _("Daily noise (LAeq,d)"),
}

FLAG_LABELS: dict[int, str | Promise] = {
    quality.RANGE: _("outside what the instrument can measure"),
    quality.STUCK: _("stuck: the same value many times in a row"),
    quality.SPIKE: _("spike: far from the readings around it"),
    quality.GAP: _("first reading after a gap"),
    quality.DRIFT: _("drift: moving away from the sensors nearby"),
}


def quantity_label(name: str) -> str:
    return str(QUANTITY_LABELS.get(name, name))


def flag_reasons(flags: int) -> list[str]:
    return [str(label) for bit, label in FLAG_LABELS.items() if flags & bit]
