"""Entities shaped like the Smart Data Models examples (dataModel.Environment) are accepted with
the schemas' attribute names, units and value conventions."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from tests.needs.conftest import needs  # noqa: F401 - the fixture, shared with the needs tests
from tests.sensing.test_ngsi import BASE, post

from cocity.compute.sensing.quantities import QUANTITIES, TYPE_QUANTITIES
from cocity.sensing.models import Reading

pytestmark = pytest.mark.django_db


def test_units_and_names_follow_the_schemas() -> None:
    assert set(TYPE_QUANTITIES["AirQualityObserved"]) <= {
        "pm25", "pm10", "no2", "o3", "so2", "co", "temperature", "relativeHumidity"
    }  # fmt: skip
    assert set(TYPE_QUANTITIES["NoiseLevelObserved"]) == {"LAeq", "LAmax", "LAS", "LAeq_d"}
    assert QUANTITIES["co"].unit_code == "GP"
    assert QUANTITIES["no2"].unit_code == "GQ"
    # relative humidity is a fraction in the schema (0.54, not 54 %)
    assert (QUANTITIES["relativeHumidity"].low, QUANTITIES["relativeHumidity"].high) == (0, 1)


def test_sdm_style_entities(sensing: dict[str, Any], client: Client) -> None:
    lat, lon = sensing["points"]["n1"]
    where = {"type": "Point", "coordinates": [lon, lat]}
    noise = {
        "id": "urn:ngsi-ld:NoiseLevelObserved:sdm-noise",
        "type": "NoiseLevelObserved",
        "location": where,
        "dateObserved": "2026-02-28T11:00:00Z/2026-02-28T12:00:00Z",  # an interval: its end
        "dateObservedFrom": "2026-02-28T11:00:00Z",
        "LAeq": 67.8,
        "LAeq_d": 65.4,
        "sonometerClass": "1",
    }
    air = {
        "id": "urn:ngsi-ld:AirQualityObserved:sdm-air",
        "type": "AirQualityObserved",
        "location": where,
        "dateObserved": "2026-02-28T12:00:00Z",
        "co": 0.5,
        "relativeHumidity": 0.54,
        "airQualityLevel": "moderate",
    }
    r = post(client, "/entityOperations/create", [noise, air], sensing["key"])
    assert r.status_code == 201, r.content
    times = set(Reading.objects.values_list("observed_at", flat=True))
    assert [t.isoformat() for t in times] == ["2026-02-28T12:00:00+00:00"]
    got = client.get(f"{BASE}/entities/urn:ngsi-ld:NoiseLevelObserved:sdm-noise").json()
    assert got["LAeq_d"]["unitCode"] == "2N"
    assert got["dateObservedTo"]["value"]["@value"] == "2026-02-28T12:00:00Z"
    assert got["sonometerClass"]["value"] == "1"
    got = client.get(f"{BASE}/entities/urn:ngsi-ld:AirQualityObserved:sdm-air").json()
    assert got["relativeHumidity"]["unitCode"] == "C62"
    assert got["co"]["unitCode"] == "GP"
