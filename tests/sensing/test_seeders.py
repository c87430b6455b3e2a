"""The demo sensors: every district covered, 90 days of readings, and the faults put in on
purpose are the ones the quality checks flag."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from cocity.compute.sensing import quality
from cocity.core.seeders import seed_core
from cocity.core.seeding import SeedContext
from cocity.sensing import seeders
from cocity.sensing.models import Reading, Sensor
from cocity.sensing.seeders import seed_sensing

pytestmark = pytest.mark.django_db


def test_demo_sensors_and_their_faults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seeders, "DAYS", 21)  # the demo's 90 days take longer; the same code
    ctx = SeedContext(log=lambda message: None)
    seed_core(ctx)
    began = time.perf_counter()
    seed_sensing(ctx)
    took = time.perf_counter() - began
    assert Sensor.objects.count() == 60
    assert Sensor.objects.filter(area__isnull=True).count() == 0
    # 36 air sensors × 3 quantities and 24 noise sensors, hourly, less the gap
    assert Reading.objects.count() == (36 * 3 + 24) * 21 * 24 - 3 * 20

    def flagged(device: str, bit: int) -> int:
        return sum(
            1
            for f in Reading.objects.filter(sensor__device_id=device).values_list(
                "flags", flat=True
            )
            if f & bit
        )

    devices = list(
        Sensor.objects.filter(entity_type="AirQualityObserved")
        .order_by("id")
        .values_list("device_id", flat=True)
    )
    assert flagged(devices[1], quality.STUCK) == 12
    assert flagged(devices[3], quality.SPIKE) == 3
    assert flagged(devices[5], quality.GAP) >= 1
    noise = Sensor.objects.filter(entity_type="NoiseLevelObserved").order_by("id").first()
    assert noise is not None
    assert flagged(noise.device_id, quality.RANGE) == 1
    # the drifting sensor: plausible readings, 12 µg/m³ above its district's others at the end
    drifting = Sensor.objects.get(device_id=devices[7])
    others = Sensor.objects.filter(area=drifting.area, entity_type="AirQualityObserved").exclude(
        pk=drifting.pk
    )
    last_day = Reading.objects.filter(quantity="pm25").order_by("-observed_at")[0].observed_at

    def mean(sensors: list[Sensor], days: int) -> float:
        values = Reading.objects.filter(
            sensor__in=sensors,
            quantity="pm25",
            observed_at__gt=last_day - timedelta(days=days),
        ).values_list("value", flat=True)
        return sum(values) / len(values)

    assert mean([drifting], 3) - mean(list(others), 3) > 6
    # the clean sensors are (nearly) unflagged: the checks do not cry wolf on ordinary air
    clean = Sensor.objects.exclude(device_id__in=devices[1:6:2]).exclude(pk=noise.pk)
    assert all(s.quality_score is not None and s.quality_score > 0.97 for s in clean), [
        (s.device_id, s.quality_score) for s in clean
    ]
    assert took < 15, took
