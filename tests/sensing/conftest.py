"""Fixtures of the sensing tests: the shared ``city`` and a sensor key."""

from __future__ import annotations

import functools
from typing import Any

import pytest

N1 = (40.965, -5.695)  # inside district n1 of the ``city`` fixture
S2 = (40.955, -5.685)


@pytest.fixture(autouse=True)
def _small_area_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    from cocity.compute.geo import AreaIndex
    from cocity.core import selectors

    monkeypatch.setattr(selectors, "AreaIndex", functools.partial(AreaIndex, grid=16))
    selectors.area_index_reset()


@pytest.fixture
def sensing(city: dict[str, Any]) -> dict[str, Any]:
    from cocity.sensing import services

    _, key = services.sensor_key_create(name="test gateway")
    _, fixed = services.sensor_key_create(name="fixed fleet", may_register=False)
    return {**city, "key": key, "fixed_key": fixed, "points": {"n1": N1, "s2": S2}}


def air(device: str, lat: float, lon: float, **values: Any) -> dict[str, Any]:
    """An AirQualityObserved entity in normalized form."""
    entity: dict[str, Any] = {
        "id": f"urn:ngsi-ld:AirQualityObserved:{device}",
        "type": "AirQualityObserved",
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [lon, lat]}},
    }
    when = values.pop("at", "2026-03-01T10:00:00Z")
    for name, value in values.items():
        entity[name] = {"type": "Property", "value": value, "observedAt": when}
    return entity
