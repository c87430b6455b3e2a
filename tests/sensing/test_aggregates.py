"""Hourly and daily aggregates computed by the database: flagged readings (range, stuck, spike)
left out and counted, a gap's first reading kept, coverage against the readings expected, per
sensor and per district."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cocity.compute.sensing import quality
from cocity.core.models import Area
from cocity.sensing import selectors, services
from cocity.sensing.models import Reading, SensorType

pytestmark = pytest.mark.django_db

DAY0 = datetime(2026, 3, 1, tzinfo=UTC)


def test_aggregates_per_sensor_and_district(sensing: dict[str, Any]) -> None:
    lat, lon = sensing["points"]["n1"]
    values_a = [10.0 + (h % 24) for h in range(48)]  # two full days, hourly
    values_b = [30.0 + (h % 5) for h in range(24)]  # the first day only
    a = services.sensor_register(
        device_id="agg-a",
        entity_type=SensorType.AIR_QUALITY,
        owner=None,
        lat=lat,
        lon=lon,
        measures=[
            services.Measure("pm25", DAY0 + timedelta(hours=h), v) for h, v in enumerate(values_a)
        ],
    )
    services.sensor_register(
        device_id="agg-b",
        entity_type=SensorType.AIR_QUALITY,
        owner=None,
        lat=lat,
        lon=lon,
        measures=[
            services.Measure("pm25", DAY0 + timedelta(hours=h), v) for h, v in enumerate(values_b)
        ],
    )
    flags = {3: quality.SPIKE, 4: quality.STUCK | quality.GAP, 30: quality.GAP}
    for h, f in flags.items():
        Reading.objects.filter(sensor=a, observed_at=DAY0 + timedelta(hours=h)).update(flags=f)
    kept_a = [v for h, v in enumerate(values_a) if h not in (3, 4)]  # the gap at 30 counts

    days = selectors.aggregates(quantity="pm25", start=DAY0, end=DAY0 + timedelta(days=3), sensor=a)
    assert [d.start for d in days] == [DAY0 + timedelta(days=k) for k in range(3)]
    first, second, third = days
    assert (first.count, first.flagged) == (22, 2)
    assert first.mean == pytest.approx(sum(kept_a[:22]) / 22)
    assert (first.low, first.high) == (min(kept_a[:22]), max(kept_a[:22]))
    assert first.coverage == pytest.approx(22 / 24)
    assert (second.count, second.flagged, second.coverage) == (24, 0, 1.0)
    assert (third.mean, third.count, third.coverage) == (None, 0, 0.0)

    hours = selectors.aggregates(
        quantity="pm25",
        start=DAY0 + timedelta(hours=2),
        end=DAY0 + timedelta(hours=6),
        bucket="hour",
        sensor=a,
    )
    assert [(h.count, h.flagged, h.mean) for h in hours] == [
        (1, 0, values_a[2]),
        (0, 1, None),
        (0, 1, None),
        (1, 0, values_a[5]),
    ]

    area = Area.objects.get(code="n1")
    district = selectors.aggregates(
        quantity="pm25", start=DAY0, end=DAY0 + timedelta(days=2), area=area
    )
    both = kept_a[:22] + values_b
    assert district[0].count == 46
    assert district[0].mean == pytest.approx(sum(both) / len(both))
    assert district[0].high == max(both)
    assert district[0].coverage == pytest.approx(46 / 48)  # two sensors, 24 expected each
    assert district[1].coverage == pytest.approx(24 / 48)  # b was silent on the second day
    with pytest.raises(ValueError, match="bucket"):
        selectors.aggregates(quantity="pm25", start=DAY0, end=DAY0, bucket="week", sensor=a)
