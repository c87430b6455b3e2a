"""The quantities cocity stores as readings, with their units (UN/CEFACT common codes, as
NGSI-LD's ``unitCode``) and the range a working instrument can report.

Names, unit codes and ranges follow the Smart Data Models schemas of ``AirQualityObserved`` and
``NoiseLevelObserved`` (dataModel.Environment): ``co`` in mg/m³ (``GP``), the other gases and
particles in µg/m³ (``GQ``), ``relativeHumidity`` a fraction between 0 and 1."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Quantity:
    name: str
    unit_code: str  # UN/CEFACT
    unit: str  # as people read it
    low: float  # plausible range, inclusive
    high: float


QUANTITIES: dict[str, Quantity] = {
    q.name: q
    for q in (
        Quantity("pm25", "GQ", "µg/m³", 0, 1000),
        Quantity("pm10", "GQ", "µg/m³", 0, 2000),
        Quantity("no2", "GQ", "µg/m³", 0, 2000),
        Quantity("o3", "GQ", "µg/m³", 0, 1000),
        Quantity("so2", "GQ", "µg/m³", 0, 2000),
        Quantity("co", "GP", "mg/m³", 0, 100),
        Quantity("temperature", "CEL", "°C", -50, 60),
        # Smart Data Models give relative humidity as a fraction (0.54 is 54 %): unit "one"
        Quantity("relativeHumidity", "C62", "", 0, 1),
        Quantity("LAeq", "2N", "dB", 0, 140),
        Quantity("LAmax", "2N", "dB", 0, 160),
        Quantity("LAS", "2N", "dB", 0, 160),
        Quantity("LAeq_d", "2N", "dB", 0, 140),  # the day's equivalent level
    )
}

#: the quantities each entity type carries as readings
TYPE_QUANTITIES: dict[str, tuple[str, ...]] = {
    "AirQualityObserved": (
        "pm25",
        "pm10",
        "no2",
        "o3",
        "so2",
        "co",
        "temperature",
        "relativeHumidity",
    ),
    "NoiseLevelObserved": ("LAeq", "LAmax", "LAS", "LAeq_d"),
}
