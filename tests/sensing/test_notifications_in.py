"""Notifications from a city's own broker (Orion-LD, Stellio) are stored as readings, once."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from tests.needs.conftest import needs  # noqa: F401 - the fixture, shared with the needs tests
from tests.sensing.conftest import air
from tests.sensing.test_ngsi import error_type, post

from cocity.sensing.models import Reading, Sensor

pytestmark = pytest.mark.django_db


def notification(*entities: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "urn:ngsi-ld:Notification:1",
        "type": "Notification",
        "subscriptionId": "urn:ngsi-ld:Subscription:orion-1",
        "notifiedAt": "2026-03-01T10:00:05Z",
        "data": list(entities),
    }


def test_a_brokers_notification_is_stored_once(sensing: dict[str, Any], client: Client) -> None:
    lat, lon = sensing["points"]["n1"]
    key_values = {
        "id": "urn:ngsi-ld:NoiseLevelObserved:orion-n1",
        "type": "NoiseLevelObserved",
        "location": {"type": "Point", "coordinates": [lon, lat]},
        "dateObservedTo": "2026-03-01T10:00:00Z",
        "LAeq": 63.5,
    }
    other = {"id": "urn:ngsi-ld:WeatherObserved:w1", "type": "WeatherObserved"}
    body = notification(air("orion-a1", lat, lon, pm25=14.0, no2=33.0), key_values, other)
    for _ in range(2):  # the broker sends it again: nothing new is stored
        r = post(client, "/notifications", body, sensing["key"])
        assert r.status_code == 200, r.content
    answer = r.json()
    assert answer["stored"] == [
        "urn:ngsi-ld:AirQualityObserved:orion-a1",
        "urn:ngsi-ld:NoiseLevelObserved:orion-n1",
    ]
    assert [n["entityId"] for n in answer["notStored"]] == ["urn:ngsi-ld:WeatherObserved:w1"]
    assert sorted(Reading.objects.values_list("quantity", "value")) == [
        ("LAeq", 63.5),
        ("no2", 33.0),
        ("pm25", 14.0),
    ]
    assert Sensor.objects.get(device_id="orion-n1").area is not None


def test_notifications_need_a_key(sensing: dict[str, Any], client: Client) -> None:
    r = post(client, "/notifications", notification(), None)
    assert r.status_code == 401
    assert error_type(r) == "Unauthorized"
    r = post(client, "/notifications/", {"data": "x"}, sensing["key"])
    assert r.status_code == 400
    assert error_type(r) == "BadRequestData"
