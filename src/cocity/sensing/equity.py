"""What sensing contributes to the equity indicators (cocity.equity.sources), per district:
active sensors, how many of them reported in the last day (data coverage), and the mean of the
latest PM2.5 readings (a need measure: pollution). Read from each sensor's latest values, so it
costs one pass over the sensors, not the readings.

(The sensing helper's ``sensing.selectors.coverage_by_area()`` was not on main when this was
written; when it lands, this function can return its figures instead.)"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cocity.sensing.models import Sensor, SensorStatus

RECENT = timedelta(days=1)


def equity_counts(*, since: datetime, until: datetime) -> dict[str, Any]:
    now = timezone.now()
    sensors: dict[int, float] = defaultdict(float)
    reporting: dict[int, float] = defaultdict(float)
    pm25: dict[int, list[float]] = defaultdict(list)
    rows = Sensor.objects.filter(area__isnull=False, status=SensorStatus.ACTIVE).values_list(
        "area", "quantities"
    )
    for area, quantities in rows.iterator(chunk_size=2000):
        sensors[area] += 1
        latest = None
        for name, value in (quantities or {}).items():
            when = parse_datetime(str((value or {}).get("observedAt") or ""))
            if when is not None and (latest is None or when > latest):
                latest = when
            if name == "pm25" and isinstance((value or {}).get("value"), int | float):
                pm25[area].append(float(value["value"]))
        if latest is not None and now - latest <= RECENT:
            reporting[area] += 1
    return {
        "counts": {
            "sensors": dict(sensors),
            "sensors_reporting": dict(reporting),
            "pm25": {a: sum(v) / len(v) for a, v in pm25.items() if v},
        },
        "open": [],
    }
