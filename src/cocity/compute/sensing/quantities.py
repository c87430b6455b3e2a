"""The quantities cocity stores as readings, with their units (UN/CEFACT common codes, as
NGSI-LD's ``unitCode``) and the range a working instrument can report.

Names follow Smart Data Models' ``AirQualityObserved`` and ``NoiseLevelObserved``."""

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
        Quantity("relativeHumidity", "P1", "%", 0, 100),
        Quantity("LAeq", "2N", "dB", 0, 140),
        Quantity("LAmax", "2N", "dB", 0, 160),
        Quantity("LAS", "2N", "dB", 0, 160),
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
    "NoiseLevelObserved": ("LAeq", "LAmax", "LAS"),
}
