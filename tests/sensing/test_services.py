"""Sensing services and commands: keys, exactly-once readings, quality flags and aggregates."""

from __future__ import annotations

import io
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command

from cocity.compute.sensing import quality
from cocity.core.models import AuditEntry
from cocity.sensing import selectors, services
from cocity.sensing.models import Reading, SensorKey, sensor_key_hash

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 1, tzinfo=UTC)


def test_create_key_prints_it_once_and_stores_its_hash(city: dict[str, Any]) -> None:
    out = io.StringIO()
    call_command("sensors", "create-key", "Gateway", "--no-register", stdout=out)
    key = out.getvalue().strip()
    row = SensorKey.objects.get(name="Gateway")
    assert row.key_hash == sensor_key_hash(key)
    assert key not in row.key_hash
    assert not row.may_register
    assert selectors.sensor_key_valid(key) == row
    assert selectors.sensor_key_valid(key + "x") is None
    assert AuditEntry.objects.filter(action="sensing.key_created").exists()


def _sensor(sensing: dict[str, Any], values: list[float]) -> Any:
    lat, lon = sensing["points"]["n1"]
    measures = [
        services.Measure("pm25", START + timedelta(hours=i), v) for i, v in enumerate(values)
    ]
    return services.sensor_register(
        device_id="q1",
        entity_type="AirQualityObserved",
        owner=None,
        lat=lat,
        lon=lon,
        measures=measures,
    )


def test_readings_are_stored_once(sensing: dict[str, Any]) -> None:
    sensor = _sensor(sensing, [1.0, 2.0])
    again = [
        services.Measure("pm25", START, 99.0),
        services.Measure("pm25", START + timedelta(hours=5), 3.0),
    ]
    services.readings_store(sensor=sensor, measures=again)
    assert list(Reading.objects.order_by("observed_at").values_list("value", flat=True)) == [
        1.0,
        2.0,
        3.0,
    ]
    sensor.refresh_from_db()
    assert sensor.quantities["pm25"]["value"] == 3.0
    # an older reading arriving late does not replace the latest
    services.readings_store(
        sensor=sensor, measures=[services.Measure("pm25", START + timedelta(hours=3), 7.0)]
    )
    sensor.refresh_from_db()
    assert sensor.quantities["pm25"]["value"] == 3.0


def test_quality_flags_score_and_daily_aggregates(sensing: dict[str, Any]) -> None:
    values = [10 + 3 * math.sin(i / 3.8) + (i % 7) * 0.11 for i in range(48)]
    values[5] = 900.0  # a spike
    for i in range(30, 40):
        values[i] = 12.0  # stuck
    sensor = _sensor(sensing, values)
    score = services.sensor_check_quality(sensor=sensor, now=START + timedelta(hours=48))
    flags = dict(Reading.objects.values_list("observed_at", "flags"))
    assert flags[START + timedelta(hours=5)] == quality.SPIKE
    assert all(flags[START + timedelta(hours=i)] == quality.STUCK for i in range(30, 40))
    assert score == pytest.approx(37 / 48, abs=0.001)
    days = selectors.sensor_daily(sensor=sensor, quantity="pm25", start=START, days=2)
    assert [d.flagged for d in days] == [1, 10]
    assert days[0].coverage == pytest.approx(23 / 24)
    assert days[0].high is not None
    assert days[0].high < 100
    area_days = selectors.area_daily(area=sensor.area, quantity="pm25", start=START, days=2)
    assert area_days[0].mean == pytest.approx(days[0].mean)
    out = io.StringIO()
    call_command("sensors", "check", stdout=out)
    assert "checked 1 sensors" in out.getvalue()
