"""Drift against neighbouring sensors: flags stored on the drifting sensor's readings, kept
through the other checks, shown on its page, left out of its daily means."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from cocity.compute.sensing import quality
from cocity.sensing import services
from cocity.sensing.models import Reading

pytestmark = pytest.mark.django_db

DAYS = 20
END = datetime(2026, 3, 21, tzinfo=UTC)
START = END - timedelta(days=DAYS)


def _network(sensing: dict[str, Any]) -> dict[str, Any]:
    lat, lon = sensing["points"]["n1"]
    sensors = {}
    for i in range(5):
        sensor = services.sensor_register(
            device_id=f"net-{i}",
            entity_type="AirQualityObserved",
            owner=None,
            lat=lat + 0.002 * math.cos(i),
            lon=lon + 0.002 * math.sin(i),
        )
        measures = []
        for h in range(0, DAYS * 24, 4):
            day = h / 24
            value = 12 + 5 * math.sin(day / 2.5) + 2 * math.sin(h / 3.8) + i * 0.2
            if i == 2 and day > 9:
                value += (day - 9) * 2.0  # net-2 drifts upwards from day 9
            measures.append(services.Measure("pm25", START + timedelta(hours=h), value))
        services.readings_store(sensor=sensor, measures=measures)
        sensors[sensor.device_id] = sensor
    return sensors


def test_drift_is_flagged_kept_and_shown(sensing: dict[str, Any], client: Client) -> None:
    sensors = _network(sensing)
    now = END - timedelta(hours=1)
    found = services.sensors_check_drift(now=now, days=DAYS)
    assert list(found) == ["net-2"]
    drifted = Reading.objects.filter(flags__gte=quality.DRIFT)
    assert set(drifted.values_list("sensor__device_id", flat=True)) == {"net-2"}
    first = drifted.order_by("observed_at").first()
    assert first is not None
    assert first.observed_at >= START + timedelta(days=10)
    n = drifted.count()
    # the quality checks rewrite flags: the drift flag stays; a second run changes nothing
    services.sensor_check_quality(sensor=sensors["net-2"], now=now)
    assert services.sensors_check_drift(now=now, days=DAYS) == found
    assert Reading.objects.filter(flags__gte=quality.DRIFT).count() == n
    # shown with its reason on the sensor's page (the last 7 days drift)
    page = client.get(f"/sensors/{sensors['net-2'].pk}/").content.decode()
    assert "drift: moving away from the sensors nearby" in page
