"""Reads of the sensing app: keys, sensors, time series and aggregates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Avg, CharField, Count, F, Func, Max, Min, Q, QuerySet
from django.db.models.functions import TruncDay, TruncHour

from cocity.compute.sensing import quality
from cocity.compute.sensing.quantities import QUANTITIES, TYPE_QUANTITIES
from cocity.core.models import Area
from cocity.sensing.models import Reading, Sensor, SensorKey, sensor_key_hash

HOUR = 3600.0
DAY = 24 * HOUR


def sensor_key_valid(key: str) -> SensorKey | None:
    """The active key this text is, or None."""
    if not key:
        return None
    return SensorKey.objects.filter(key_hash=sensor_key_hash(key), active=True).first()


def sensor_list(*, entity_type: str | None = None) -> QuerySet[Sensor]:
    qs = Sensor.objects.select_related("area")
    if entity_type:
        qs = qs.filter(entity_type=entity_type)
    return qs.order_by("device_id")


def sensor_get(*, device_id: str) -> Sensor | None:
    return Sensor.objects.select_related("area", "owner").filter(device_id=device_id).first()


def sensor_get_by_pk(pk: Any) -> Sensor | None:
    try:
        return Sensor.objects.select_related("area", "owner").filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def _series_query(
    sensor: Sensor, name: str, start: datetime | None, end: datetime | None
) -> QuerySet[Reading]:
    qs = Reading.objects.filter(sensor=sensor, quantity=name)
    if start is not None:
        qs = qs.filter(observed_at__gte=start)
    if end is not None:
        qs = qs.filter(observed_at__lt=end)
    return qs


def readings(
    *,
    sensor: Sensor,
    quantities: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    last_n: int | None = None,
    limit: int = 10_000,
) -> dict[str, list[Reading]]:
    """The sensor's readings per quantity, oldest first: between ``start`` (inclusive) and
    ``end`` (exclusive), the last ``last_n`` of them when given, at most ``limit`` each."""
    names = quantities if quantities is not None else sorted(sensor.quantities)
    out: dict[str, list[Reading]] = {}
    for name in names:
        qs = _series_query(sensor, name, start, end)
        if last_n is not None:
            rows = list(qs.order_by("-observed_at")[: min(last_n, limit)])
            rows.reverse()
        else:
            rows = list(qs.order_by("observed_at")[:limit])
        if rows:
            out[name] = rows
    return out


# on PostgreSQL the database writes each time as the API shows it (ISO 8601 in UTC, ``Z``,
# microseconds only when there are some): parsing a thousand timestamps into datetimes and
# formatting them again costs more than the query
_PG_ISO = (
    "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
    "CASE WHEN mod(extract(microseconds FROM %(expressions)s)::bigint, 1000000) = 0 THEN '' "
    "ELSE to_char(%(expressions)s AT TIME ZONE 'UTC', '.US') END || 'Z'"
)
ReadingTuple = tuple[str, float, int]


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def reading_series(
    *,
    sensor: Sensor,
    quantities: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    last_n: int | None = None,
    limit: int = 10_000,
) -> dict[str, list[ReadingTuple]]:
    """``readings`` as (observed time in ISO 8601, value, flags) tuples, without a model
    instance or a datetime per row (the temporal API returns thousands)."""
    names = quantities if quantities is not None else sorted(sensor.quantities)
    pg = connection.vendor == "postgresql"
    out: dict[str, list[ReadingTuple]] = {}
    for name in names:
        qs = _series_query(sensor, name, start, end)
        if last_n is not None:
            qs = qs.order_by("-observed_at")[: min(last_n, limit)]
        else:
            qs = qs.order_by("observed_at")[:limit]
        if pg:
            at = Func(F("observed_at"), template=_PG_ISO, output_field=CharField())
            rows = list(qs.annotate(at=at).values_list("at", "value", "flags"))
        else:
            rows = [(_iso(t), v, f) for t, v, f in qs.values_list("observed_at", "value", "flags")]
        if last_n is not None:
            rows.reverse()
        if rows:
            out[name] = rows
    return out


@dataclass(frozen=True)
class Day:
    date: datetime
    quantity: str
    mean: float | None
    low: float | None
    high: float | None
    count: int
    flagged: int
    coverage: float


def _buckets(
    rows: list[Reading], *, start: datetime, end: datetime, size: float, interval: float
) -> list[quality.Bucket]:
    series = [(r.observed_at.timestamp(), r.value) for r in rows]
    flags = [r.flags for r in rows]
    return quality.aggregate(
        series, flags, size=size, interval=interval, start=start.timestamp(), end=end.timestamp()
    )


def sensor_daily(
    *, sensor: Sensor, quantity: str, start: datetime, days: int, interval: float = HOUR
) -> list[Day]:
    """Daily mean, min and max of the usable readings, flagged counts and coverage."""
    end = start + timedelta(days=days)
    rows = readings(sensor=sensor, quantities=[quantity], start=start, end=end).get(quantity, [])
    return [
        Day(
            start + timedelta(days=k),
            quantity,
            b.mean,
            b.low,
            b.high,
            b.count,
            b.flagged,
            b.coverage,
        )
        for k, b in enumerate(_buckets(rows, start=start, end=end, size=DAY, interval=interval))
    ]


def area_daily(
    *, area: Area, quantity: str, start: datetime, days: int, interval: float = HOUR
) -> list[Day]:
    """A district's daily means over all its sensors of the quantity: the mean of each sensor's
    daily mean, and coverage as the mean of the sensors' coverage (a silent sensor lowers it)."""
    sensors = [s for s in Sensor.objects.filter(area=area) if quantity in s.quantities]
    per_sensor = [
        sensor_daily(sensor=s, quantity=quantity, start=start, days=days, interval=interval)
        for s in sensors
    ]
    out = []
    for k in range(days):
        day = [series[k] for series in per_sensor]
        means = [d.mean for d in day if d.mean is not None]
        out.append(
            Day(
                start + timedelta(days=k),
                quantity,
                sum(means) / len(means) if means else None,
                min((d.low for d in day if d.low is not None), default=None),
                max((d.high for d in day if d.high is not None), default=None),
                sum(d.count for d in day),
                sum(d.flagged for d in day),
                sum(d.coverage for d in day) / len(day) if day else 0.0,
            )
        )
    return out


def area_quantities(area: Area) -> list[str]:
    """The quantities some sensor of the area reports, in the registry's order."""
    present: set[str] = set()
    for quantities in Sensor.objects.filter(area=area).values_list("quantities", flat=True):
        present.update(quantities)
    return [name for name in QUANTITIES if name in present]


def subscription_get(*, sub_id: str) -> Any:
    from cocity.sensing.models import Subscription

    return Subscription.objects.filter(sub_id=sub_id).first()


def subscription_list(*, key: SensorKey) -> Any:
    from cocity.sensing.models import Subscription

    return Subscription.objects.filter(key=key).order_by("created_at", "pk")


def coverage_by_area() -> list[dict[str, Any]]:
    """Per district: its sensors, residents, sensors per 10,000 residents and data coverage
    (the mean quality score of its sensors, in %: the share of expected readings of the last
    14 days that arrived and count). For the equity analysis; districts without sensors too."""
    from django.db.models import Avg, Count

    rows = (
        Area.objects.filter(kind=Area.Kind.DISTRICT)
        .annotate(n_sensors=Count("sensors"), score=Avg("sensors__quality_score"))
        .order_by("code")
    )
    out = []
    for area in rows:
        n = area.n_sensors
        out.append(
            {
                "area": area.code,
                "name": area.name,
                "sensors": n,
                "residents": area.population,
                "sensors_per_10k": round(n * 10_000 / area.population, 2)
                if area.population
                else None,
                "coverage_percent": round(area.score * 100, 1) if area.score is not None else None,
            }
        )
    return out


#: the code of the needs category each kind of evidence is filed under when its rule names none
#: (the demo city has both; a city that uses other codes sets the rule's category instead)
EVIDENCE_CATEGORY_CODES = {"AirQualityObserved": "air-quality", "NoiseLevelObserved": "noise"}


def evidence_kind(quantity: str) -> str | None:
    """The kind of evidence a rule's quantity gives: the sensor type that measures it."""
    for kind, quantities in TYPE_QUANTITIES.items():
        if quantity in quantities:
            return kind
    return None


def evidence_default_categories() -> dict[str, int]:
    """Kind of evidence → the id of the active needs category with that kind's code
    (``EVIDENCE_CATEGORY_CODES``), for the kinds that have one; one query."""
    from cocity.needs import selectors as needs_selectors

    ids = dict(
        needs_selectors.category_list()
        .filter(code__in=EVIDENCE_CATEGORY_CODES.values())
        .values_list("code", "pk")
    )
    return {kind: ids[code] for kind, code in EVIDENCE_CATEGORY_CODES.items() if code in ids}


def evidence_open() -> Any:
    from cocity.sensing.models import EvidenceSuggestion, SuggestionStatus

    return EvidenceSuggestion.objects.filter(status=SuggestionStatus.OPEN).select_related(
        "rule", "area", "rule__category"
    )


def evidence_decided(limit: int = 20) -> Any:
    from cocity.sensing.models import EvidenceSuggestion, SuggestionStatus

    return (
        EvidenceSuggestion.objects.exclude(status=SuggestionStatus.OPEN)
        .select_related("rule", "area", "report", "decided_by")
        .order_by("-decided_at")[:limit]
    )


def evidence_get(pk: Any) -> Any:
    from cocity.sensing.models import EvidenceSuggestion

    try:
        return EvidenceSuggestion.objects.select_related("rule", "area").filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def evidence_for_area(area: Area, limit: int = 10) -> Any:
    """The district's latest suggestions (open or decided), for its public page."""
    from cocity.sensing.models import EvidenceSuggestion, SuggestionStatus

    return list(
        EvidenceSuggestion.objects.filter(area=area)
        .exclude(status=SuggestionStatus.DISMISSED)
        .select_related("rule")
        .order_by("-updated_at")[:limit]
    )


# --- aggregates computed by the database -----------------------------------------------------

#: flags that leave a reading out of aggregates (a gap's first reading still counts)
EXCLUDED = quality.RANGE | quality.STUCK | quality.SPIKE | quality.DRIFT
BUCKETS = {"hour": HOUR, "day": DAY}


@dataclass(frozen=True)
class Aggregate:
    """One hour or day (UTC) of a sensor's or a district's readings of one quantity."""

    start: datetime
    mean: float | None
    low: float | None
    high: float | None
    count: int  # readings that count
    flagged: int  # readings left out (range, stuck, spike, drift)
    coverage: float  # readings that count / readings expected (0 to 1)


def aggregates(
    *,
    quantity: str,
    start: datetime,
    end: datetime,
    bucket: str = "day",
    sensor: Sensor | None = None,
    area: Area | None = None,
    interval: float = HOUR,
) -> list[Aggregate]:
    """Hourly or daily mean, min and max of one sensor's readings, or of all the readings of a
    district's sensors, from ``start`` to ``end`` (UTC hours or days; every bucket is listed,
    an empty one with coverage 0), computed by the database in one grouped query: flagged
    readings left out and counted. Coverage: the readings that count over those expected, one
    per ``interval`` per sensor reporting the quantity."""
    if bucket not in BUCKETS:
        raise ValueError(f"bucket is one of {', '.join(BUCKETS)}")
    if (sensor is None) == (area is None):
        raise ValueError("aggregates of a sensor or of an area")
    size = BUCKETS[bucket]
    trunc = TruncHour if bucket == "hour" else TruncDay
    qs = Reading.objects.filter(quantity=quantity, observed_at__gte=start, observed_at__lt=end)
    if sensor is not None:
        qs = qs.filter(sensor=sensor)
        sensors = 1
    else:
        qs = qs.filter(sensor__area=area)
        sensors = Sensor.objects.filter(area=area, quantities__has_key=quantity).count()
    counts = Q(bad=0)
    rows = (
        qs.annotate(at=trunc("observed_at", tzinfo=UTC), bad=F("flags").bitand(EXCLUDED))
        .values("at")
        .annotate(
            mean=Avg("value", filter=counts),
            low=Min("value", filter=counts),
            high=Max("value", filter=counts),
            count=Count("id", filter=counts),
            flagged=Count("id", filter=~counts),
        )
        .order_by("at")
    )
    found = {row["at"]: row for row in rows}
    expected = sensors * size / interval
    first = start.astimezone(UTC)
    first = (
        first.replace(minute=0, second=0, microsecond=0)
        if bucket == "hour"
        else first.replace(hour=0, minute=0, second=0, microsecond=0)
    )
    out = []
    at = first
    while at < end:
        row = found.get(at)
        count = row["count"] if row else 0
        out.append(
            Aggregate(
                at,
                row["mean"] if row else None,
                row["low"] if row else None,
                row["high"] if row else None,
                count,
                row["flagged"] if row else 0,
                min(1.0, count / expected) if expected else 0.0,
            )
        )
        at += timedelta(seconds=size)
    return out


def sensor_key(pk: int) -> SensorKey | None:
    return SensorKey.objects.filter(pk=pk).first()


def sensor_keys() -> Any:
    """The sensor keys issued, newest first (their prefixes; the keys themselves are not kept)."""
    return SensorKey.objects.order_by("-created_at", "-pk")
