"""Writes of the sensing app: keys, sensors, readings (exactly once) and their quality flags."""

from __future__ import annotations

import functools
import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from django.db import connection, models, transaction
from django.db.models.constants import OnConflict
from django.utils import timezone

from cocity.compute.sensing import quality
from cocity.compute.sensing.quantities import QUANTITIES
from cocity.core import selectors as core_selectors
from cocity.core.errors import Conflict, DomainError, full_clean
from cocity.core.models import User
from cocity.core.services import audit_record
from cocity.sensing.models import Reading, Sensor, SensorKey, SensorType, sensor_key_hash

#: how far back the quality checks look each time they run
QUALITY_WINDOW = timedelta(days=14)
#: from this many readings in one write, PostgreSQL loads them with COPY (see ``_insert``)
COPY_MIN_ROWS = 500


@dataclass(frozen=True)
class Measure:
    quantity: str
    observed_at: datetime
    value: float
    unit_code: str = ""


@transaction.atomic
def sensor_key_create(
    *, name: str, may_register: bool = True, actor: User | None = None
) -> tuple[SensorKey, str]:
    """Issue a key to a data provider. Returns the row and the key itself (shown once)."""
    name = name.strip()
    if not name:
        raise DomainError("A key needs a name.", code="invalid", fields={"name": ["Required."]})
    key = secrets.token_urlsafe(24)
    row = SensorKey(
        name=name, key_hash=sensor_key_hash(key), prefix=key[:8], may_register=may_register
    )
    full_clean(row)
    row.save()
    audit_record(action="sensing.key_created", actor=actor, obj=row, data={"name": name})
    return row, key


def sensor_key_revoke(*, key: SensorKey, actor: User | None = None) -> bool:
    """Switch a key off: every later write with it (NGSI-LD, MQTT, uploads) is refused. Returns
    False when it was already revoked (nothing changes, nothing is logged)."""
    changed = SensorKey.objects.filter(pk=key.pk, active=True).update(active=False)
    if not changed:
        return False
    key.active = False
    audit_record(action="sensing.key_revoked", actor=actor, obj=key, data={"name": key.name})
    return True


def _locate(sensor: Sensor) -> None:
    if sensor.lat is None or sensor.lon is None:
        sensor.area = None
        return
    found = core_selectors.area_locate(lat=sensor.lat, lon=sensor.lon)
    sensor.area_id = found[0] if found else None


@transaction.atomic
def sensor_register(
    *,
    device_id: str,
    entity_type: str,
    owner: SensorKey | None,
    lat: float | None = None,
    lon: float | None = None,
    name: str = "",
    attrs: Mapping[str, Any] | None = None,
    measures: Iterable[Measure] = (),
) -> Sensor:
    """A new sensor (``Conflict`` when its device id is taken), located in its area, with its
    first readings."""
    if entity_type not in SensorType.values:
        raise DomainError(f"Unknown sensor type {entity_type!r}.", code="invalid_type")
    if owner is not None and not owner.may_register:
        raise DomainError(
            "This key may not register new devices.", code="register_forbidden", status=403
        )
    if Sensor.objects.filter(device_id=device_id).exists():
        raise Conflict(f"The device {device_id!r} already exists.", code="already_exists")
    sensor = Sensor(
        device_id=device_id,
        entity_type=entity_type,
        owner=owner,
        lat=lat,
        lon=lon,
        name=name,
        attrs=dict(attrs or {}),
    )
    _locate(sensor)
    full_clean(sensor, validate_constraints=False)
    sensor.save()
    readings_store(sensor=sensor, measures=measures)
    return sensor


def sensor_writable(*, sensor: Sensor, key: SensorKey) -> None:
    """A key writes the sensors it registered (and those registered without a key)."""
    if sensor.owner_id is not None and sensor.owner_id != key.pk:
        raise DomainError(
            "This key may not write this sensor's data.", code="not_owner", status=403
        )


@transaction.atomic
def sensor_update(
    *,
    sensor: Sensor,
    lat: float | None = None,
    lon: float | None = None,
    name: str | None = None,
    attrs: Mapping[str, Any] | None = None,
    measures: Iterable[Measure] = (),
) -> Sensor:
    """Change what is given (``attrs`` are merged) and store new readings."""
    sensor = Sensor.objects.select_for_update().get(pk=sensor.pk)
    if lat is not None and lon is not None:
        sensor.lat, sensor.lon = lat, lon
        _locate(sensor)
    if name is not None:
        sensor.name = name
    if attrs:
        sensor.attrs = {**sensor.attrs, **attrs}
    full_clean(sensor, validate_constraints=False)
    sensor.save()
    readings_store(sensor=sensor, measures=measures)
    return sensor


@transaction.atomic
def sensor_delete(*, sensor: Sensor) -> None:
    Sensor.objects.filter(pk=sensor.pk).delete()


@functools.lru_cache(maxsize=4096)
def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


@transaction.atomic
def readings_store(*, sensor: Sensor, measures: Iterable[Measure]) -> int:
    """Store readings exactly once: a (sensor, quantity, time) already stored is skipped, so a
    redelivered message changes nothing. Returns how many rows the batch offered (the database
    does not say which were skipped). The sensor's latest value per quantity follows."""
    return readings_store_many([(sensor, list(measures))])


ReadingRow = tuple[int, str, datetime, float]


@transaction.atomic
def readings_store_many(
    batch: Sequence[tuple[Sensor, Sequence[Measure]]], *, locked: bool = False
) -> int:
    """``readings_store`` for many sensors in one transaction: one bulk insert of every reading
    (COPY on PostgreSQL when there are many) and one update of the sensors whose latest values
    moved. Returns how many readings were offered. ``locked``: the caller holds the sensors'
    rows locked (``select_for_update``) and their ``quantities`` are current."""
    rows: list[ReadingRow] = []
    latest: dict[int, dict[str, Measure]] = {}
    for sensor, measures in batch:
        mine = latest.setdefault(sensor.pk, {})
        for m in measures:
            if m.quantity not in QUANTITIES:
                raise DomainError(f"Unknown quantity {m.quantity!r}.", code="unknown_quantity")
            if timezone.is_naive(m.observed_at):
                raise DomainError("Observation times need a time zone.", code="naive_time")
            rows.append((sensor.pk, m.quantity, m.observed_at, m.value))
            if m.quantity not in mine or m.observed_at > mine[m.quantity].observed_at:
                mine[m.quantity] = m
    if not rows:
        return 0
    _insert(rows)
    wanted = sorted(pk for pk, mine in latest.items() if mine)
    if locked:
        current = {s.pk: s for s, _ in batch}
    else:
        # locked in primary-key order, so two concurrent batches cannot deadlock on them
        fresh = Sensor.objects.select_for_update().only("quantities").filter(pk__in=wanted)
        current = {s.pk: s for s in fresh.order_by("pk")}
    changed = []
    for pk in wanted:
        row = current.get(pk)
        if row is None:
            continue
        quantities = _merge_latest(row.quantities, latest[pk])
        if quantities != row.quantities:
            row.quantities = quantities
            changed.append(row)
    _update_quantities(changed)
    for sensor, _ in batch:
        if sensor.pk in current:
            sensor.quantities = current[sensor.pk].quantities
    return len(rows)


def _merge_latest(known_all: Mapping[str, Any], newest: Mapping[str, Measure]) -> dict[str, Any]:
    quantities = dict(known_all)
    for name, m in newest.items():
        known = quantities.get(name) or {}
        unit = m.unit_code or known.get("unitCode") or QUANTITIES[name].unit_code
        if not known.get("observedAt") or _iso(m.observed_at) >= known["observedAt"]:
            quantities[name] = {
                "unitCode": unit,
                "value": m.value,
                "observedAt": _iso(m.observed_at),
            }
    return quantities


def _update_quantities(sensors: list[Sensor]) -> None:
    """Store the sensors' ``quantities``: on PostgreSQL in one UPDATE over the arrays of ids and
    values (``bulk_update``'s CASE over a thousand rows costs more than the readings' insert)."""
    if connection.vendor != "postgresql" or len(sensors) < 50:
        Sensor.objects.bulk_update(sensors, ["quantities"], batch_size=200)
        return
    table = _qn(Sensor._meta.db_table)
    pk, column = _column(Sensor, "id"), _column(Sensor, "quantities")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = new.value FROM jsonb_each(%s::jsonb) AS new "  # noqa: S608 — quoted model names; values bound
            f"WHERE {table}.{pk} = new.key::bigint",
            [json.dumps({str(s.pk): s.quantities for s in sensors})],
        )


_READING_FIELDS = ("sensor", "quantity", "observed_at", "value")


def _qn(name: str) -> str:
    return str(connection.ops.quote_name(name))


def _column(model: type[models.Model], name: str) -> str:
    """A field's quoted column name (SQL below names every column it writes)."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{name} is not a column")
    return _qn(field.column)


def _insert(rows: list[ReadingRow]) -> None:
    """Insert readings, skipping those already stored (the unique sensor, quantity, time).
    On PostgreSQL a big batch is copied into a temporary table (psycopg's COPY through Django's
    connection) and moved with ``INSERT … ON CONFLICT DO NOTHING``; otherwise ``bulk_create``."""
    if len(rows) < COPY_MIN_ROWS:
        Reading.objects.bulk_create(
            [Reading(sensor_id=s, quantity=q, observed_at=t, value=v) for s, q, t, v in rows],
            ignore_conflicts=True,
            batch_size=1000,
        )
        return
    table = _qn(Reading._meta.db_table)
    columns = ", ".join(_column(Reading, name) for name in _READING_FIELDS)
    flags = _column(Reading, "flags")
    if connection.vendor != "postgresql":
        # SQLite: the statement bulk_create(ignore_conflicts=True) makes, run over plain
        # tuples (no model instance per reading)
        adapt = functools.lru_cache(maxsize=8192)(connection.ops.adapt_datetimefield_value)
        insert = connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"{insert} {table} ({columns}, {flags}) VALUES (%s, %s, %s, %s, 0)",
                [(s, q, adapt(t), v) for s, q, t, v in rows],
            )
        return
    conflict = ", ".join(_column(Reading, name) for name in ("sensor", "quantity", "observed_at"))
    sensor, quantity, observed_at, value = (_column(Reading, name) for name in _READING_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS sensing_reading_load ({sensor} bigint, "
            f"{quantity} varchar(40), {observed_at} timestamptz, {value} double precision) "
            "ON COMMIT DELETE ROWS"
        )
        with cursor.cursor.copy(f"COPY sensing_reading_load ({columns}) FROM STDIN") as copy:
            copy.set_types(["int8", "text", "timestamptz", "float8"])
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({columns}, {flags}) "  # noqa: S608 — quoted model names
            f"SELECT {columns}, 0 FROM sensing_reading_load "
            f"ON CONFLICT ({conflict}) DO NOTHING"
        )
        cursor.execute("DELETE FROM sensing_reading_load")


class SensorFields(Protocol):
    """What a batch write says about one sensor (``entities.EntityInput``)."""

    device_id: str
    entity_type: str
    lat: float | None
    lon: float | None
    name: str | None
    attrs: dict[str, Any]
    measures: list[Measure]


@dataclass
class BatchOutcome:
    """One entity of a batch write: ``created`` when it was new, or the ``error`` it got."""

    device_id: str
    created: bool = False
    error: DomainError | None = None


@transaction.atomic
def sensors_write_batch(
    *, key: SensorKey, items: Sequence[SensorFields], mode: str
) -> list[BatchOutcome]:
    """A batch of sensors and their readings in one transaction (NGSI-LD ``entityOperations``):
    ``mode`` is ``create`` (new sensors only), ``update`` (existing only) or ``upsert``. Every
    entity is checked first; one that cannot be written gets its error in the outcome and
    changes nothing, the others are written together: the new sensors in one insert, the
    changed ones in one update, all the readings in one insert."""
    devices = {item.device_id for item in items}
    known = {
        s.device_id: s
        for s in Sensor.objects.select_for_update().filter(device_id__in=devices).order_by("pk")
    }
    outcomes: list[BatchOutcome] = []
    new: dict[str, Sensor] = {}
    changed: dict[str, Sensor] = {}
    writes: list[tuple[Sensor, Sequence[Measure]]] = []
    for item in items:
        outcome = BatchOutcome(item.device_id)
        outcomes.append(outcome)
        sensor = known.get(item.device_id) or new.get(item.device_id)
        try:
            if sensor is None:
                if mode == "update":
                    raise DomainError("No such entity.", code="not_found", status=404)
                if not key.may_register:
                    raise DomainError(
                        "This key may not register new devices.",
                        code="register_forbidden",
                        status=403,
                    )
                sensor = Sensor(
                    device_id=item.device_id,
                    entity_type=item.entity_type,
                    owner=key,
                    lat=item.lat,
                    lon=item.lon,
                    name=item.name or "",
                    attrs=dict(item.attrs),
                )
                _locate(sensor)
                if len(item.device_id) > 120:
                    raise DomainError("The device id is too long.", code="invalid")
                # the unique device id and the keys were checked above (no query per sensor)
                full_clean(
                    sensor, exclude=["device_id", "owner", "area"], validate_constraints=False
                )
                new[item.device_id] = sensor
                outcome.created = True
            else:
                if mode == "create" or sensor.entity_type != item.entity_type:
                    raise Conflict(
                        f"The entity {sensor.entity_id} already exists.", code="already_exists"
                    )
                sensor_writable(sensor=sensor, key=key)
                if _apply(sensor, item) and sensor.device_id not in new:
                    changed[sensor.device_id] = sensor
        except DomainError as exc:
            outcome.error = exc
            continue
        writes.append((sensor, item.measures))
    Sensor.objects.bulk_create(list(new.values()), batch_size=500)
    if changed:
        Sensor.objects.bulk_update(
            list(changed.values()), ["lat", "lon", "area", "name", "attrs"], batch_size=200
        )
    readings_store_many(writes, locked=True)
    return outcomes


def _apply(sensor: Sensor, item: SensorFields) -> bool:
    """Put the item's location, name and attributes on the sensor; True when one changed."""
    before = (sensor.lat, sensor.lon, sensor.name, sensor.attrs)
    moved = (item.lat, item.lon) != (sensor.lat, sensor.lon)
    if item.lat is not None and item.lon is not None and moved:
        sensor.lat, sensor.lon = item.lat, item.lon
        _locate(sensor)
    if item.name is not None:
        sensor.name = item.name
    if item.attrs:
        sensor.attrs = {**sensor.attrs, **item.attrs}
    return (sensor.lat, sensor.lon, sensor.name, sensor.attrs) != before


@transaction.atomic
def sensor_check_quality(
    *, sensor: Sensor, now: datetime | None = None, window: timedelta = QUALITY_WINDOW
) -> float | None:
    """Run the quality checks over the sensor's last ``window``: store each reading's flags and
    the sensor's quality score (the mean over its quantities). Returns the score."""
    now = now or timezone.now()
    start = now - window
    scores = []
    changed: dict[int, list[int]] = {}  # new flags → the readings that get them
    for name in sorted(sensor.quantities):
        q = QUANTITIES.get(name)
        if q is None:
            continue
        rows = list(
            Reading.objects.filter(
                sensor=sensor, quantity=name, observed_at__gte=start, observed_at__lte=now
            )
            .order_by("observed_at")
            .values_list("pk", "observed_at", "value", "flags")
        )
        series = [(t.timestamp(), v) for _, t, v, _ in rows]
        flags = quality.check(series, low=q.low, high=q.high)
        for (pk, _, _, old), f in zip(rows, flags, strict=True):
            f |= old & quality.DRIFT  # set by sensors_check_drift, kept here
            if old != f:
                changed.setdefault(f, []).append(pk)
        interval = quality.usual_interval(series)
        if series:
            score = quality.quality_score(
                series,
                flags,
                start=max(start.timestamp(), series[0][0]),
                end=now.timestamp(),
                interval=interval,
            )
            if score is not None:
                scores.append(score)
    for f, pks in changed.items():  # a few distinct flag sets: one UPDATE each
        for i in range(0, len(pks), 1000):
            Reading.objects.filter(pk__in=pks[i : i + 1000]).update(flags=f)
    score_all = round(sum(scores) / len(scores), 3) if scores else None
    Sensor.objects.filter(pk=sensor.pk).update(quality_score=score_all)
    sensor.quality_score = score_all
    return score_all


def sensors_check_quality(*, now: datetime | None = None) -> int:
    """Every sensor's checks (the periodic task and ``cocity sensors check``)."""
    count = 0
    for sensor in Sensor.objects.all():
        sensor_check_quality(sensor=sensor, now=now)
        count += 1
    return count


# --- NGSI-LD subscriptions (docs/sensing.md) ---------------------------------------------------


def _subscription_owned(sub: Any, key: SensorKey) -> None:
    if sub.key_id != key.pk:
        raise DomainError(
            "This key may not change this subscription.", code="not_owner", status=403
        )


@transaction.atomic
def subscription_create(*, key: SensorKey, data: Any) -> Any:
    """Store a subscription (``data``: ``subscriptions.SubscriptionInput``); ``Conflict`` when
    its id is taken."""
    from cocity.sensing.models import Subscription

    if Subscription.objects.filter(sub_id=data.sub_id).exists():
        raise Conflict(f"The subscription {data.sub_id} already exists.", code="already_exists")
    sub = Subscription(
        sub_id=data.sub_id,
        key=key,
        doc=data.doc,
        endpoint=data.endpoint,
        is_active=data.is_active,
        expires_at=data.expires_at,
        throttling=data.throttling,
        time_interval=data.time_interval,
    )
    full_clean(sub)
    sub.save()
    audit_record(action="sensing.subscription_created", obj=sub, data={"id": sub.sub_id})
    return sub


@transaction.atomic
def subscription_update(*, sub: Any, key: SensorKey, data: Any) -> Any:
    _subscription_owned(sub, key)
    sub.doc = data.doc
    sub.endpoint = data.endpoint
    sub.is_active = data.is_active
    sub.expires_at = data.expires_at
    sub.throttling = data.throttling
    sub.time_interval = data.time_interval
    full_clean(sub)
    sub.save()
    return sub


@transaction.atomic
def subscription_delete(*, sub: Any, key: SensorKey) -> None:
    _subscription_owned(sub, key)
    audit_record(action="sensing.subscription_deleted", data={"id": sub.sub_id})
    sub.delete()


def entities_changed(changes: Mapping[str, Iterable[str]]) -> None:
    """Tell the subscriptions, once the transaction commits, that these entities changed
    (entity id → names of the attributes written). A task matches and notifies."""
    from cocity.sensing.models import Subscription
    from cocity.sensing.tasks import subscriptions_notify_task

    payload = {eid: sorted(set(attrs)) for eid, attrs in changes.items()}
    if not payload or not Subscription.objects.filter(is_active=True, time_interval=0).exists():
        return
    transaction.on_commit(lambda: subscriptions_notify_task.enqueue(payload))


# --- batch upload by data stewards (docs/sensing.md) ---------------------------------------------


@dataclass(frozen=True)
class UploadResult:
    rows: int
    new: int
    sensors: int


@transaction.atomic
def readings_upload(
    *, data: bytes, name: str = "", key: SensorKey | None = None, actor: User | None = None
) -> UploadResult:
    """Store an uploaded CSV/JSON file of readings, all or nothing: any line in error (unreadable,
    an unknown device, a quantity its type does not carry, a device the key may not write)
    raises one ``DomainError`` whose ``fields`` list every problem by line. Readings already
    stored are skipped (exactly once). ``key``: the API's sensor key; ``actor``: a steward in
    the browser (who may write every sensor)."""
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    from cocity.compute.sensing.quantities import TYPE_QUANTITIES
    from cocity.sensing.models import Reading
    from cocity.sensing.uploads import UploadError, parse

    try:
        rows, errors = parse(data, name=name)
    except UploadError as exc:
        raise DomainError(str(exc), code="upload_invalid") from exc
    sensors = {
        s.device_id: s for s in Sensor.objects.filter(device_id__in={r.device_id for r in rows})
    }
    by_sensor: dict[str, list[Measure]] = {}
    for row in rows:
        label = _("line %(number)s") % {"number": row.line}
        sensor = sensors.get(row.device_id)
        problem = None
        if sensor is None:
            problem = _("no sensor “%(device)s”.") % {"device": row.device_id}
        elif row.quantity not in TYPE_QUANTITIES.get(sensor.entity_type, ()):
            problem = _("a %(type)s sensor does not measure %(quantity)s.") % {
                "type": sensor.entity_type,
                "quantity": row.quantity,
            }
        elif key is not None and sensor.owner_id is not None and sensor.owner_id != key.pk:
            problem = _("this key may not write the sensor “%(device)s”.") % {
                "device": row.device_id
            }
        if problem:
            errors.setdefault(label, []).append(problem)
            continue
        by_sensor.setdefault(row.device_id, []).append(
            Measure(row.quantity, row.observed_at, row.value)
        )
    if errors:
        lines = len(errors)
        raise DomainError(
            ngettext(
                "%(count)s line is wrong; nothing was stored.",
                "%(count)s lines are wrong; nothing was stored.",
                lines,
            )
            % {"count": lines},
            code="upload_invalid",
            fields=errors,
        )
    touched = [sensors[d] for d in by_sensor]
    before = Reading.objects.filter(sensor__in=touched).count()
    for device_id, measures in by_sensor.items():
        readings_store(sensor=sensors[device_id], measures=measures)
    new = Reading.objects.filter(sensor__in=touched).count() - before
    entities_changed(
        {sensors[d].entity_id: {m.quantity for m in measures} for d, measures in by_sensor.items()}
    )
    audit_record(
        action="sensing.readings_uploaded",
        actor=actor,
        data={"rows": len(rows), "new": new, "key": key.name if key else None},
    )
    return UploadResult(rows=len(rows), new=new, sensors=len(touched))


# --- drift against neighbouring sensors (docs/sensing.md) -----------------------------------------

#: the quantities checked for drift, with the smallest move (in their unit) that counts
DRIFT_MIN_OFFSET = {"pm25": 5.0, "pm10": 8.0, "no2": 10.0, "o3": 10.0, "LAeq": 3.0}
DRIFT_DAYS = 30


def sensors_check_drift(*, now: datetime | None = None, days: int = DRIFT_DAYS) -> dict[str, int]:
    """Compare each sensor's daily means with its nearest neighbours' over the last ``days``
    (``cocity.compute.sensing.drift``) and set or clear the ``drift`` flag on its readings of
    each day that drifts. Readings flagged for other reasons do not count in the means. Returns
    the number of drifting days per device id (only those with some)."""
    from cocity.compute.sensing import drift as drift_check

    now = now or timezone.now()
    end = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    start = end - timedelta(days=days)
    doubted = quality.RANGE | quality.STUCK | quality.SPIKE
    found: dict[str, int] = {}
    for name, min_offset in DRIFT_MIN_OFFSET.items():
        sensors = {
            s.pk: s
            for s in Sensor.objects.filter(lat__isnull=False, lon__isnull=False)
            if name in s.quantities
        }
        if len(sensors) < 3:
            continue
        rows = list(
            Reading.objects.filter(
                sensor_id__in=list(sensors),
                quantity=name,
                observed_at__gte=start,
                observed_at__lt=end,
            ).values_list("pk", "sensor_id", "observed_at", "value", "flags")
        )
        sums: dict[int, list[float]] = {pk: [0.0] * days for pk in sensors}
        counts: dict[int, list[int]] = {pk: [0] * days for pk in sensors}
        for _pk, sensor_id, when, value, flags in rows:
            if flags & doubted:
                continue
            d = int((when - start).total_seconds() // 86400)
            sums[sensor_id][d] += value
            counts[sensor_id][d] += 1
        daily = {
            str(pk): [sums[pk][d] / counts[pk][d] if counts[pk][d] else None for d in range(days)]
            for pk in sensors
        }
        positions = {str(pk): (s.lat or 0.0, s.lon or 0.0) for pk, s in sensors.items()}
        result = drift_check.drift(daily, positions, drift_check.DriftParams(min_offset=min_offset))
        changed = []
        for pk, sensor_id, when, _value, flags in rows:
            d = int((when - start).total_seconds() // 86400)
            drifts = result[str(sensor_id)][d] is not None
            want = flags | quality.DRIFT if drifts else flags & ~quality.DRIFT
            if want != flags:
                changed.append(Reading(pk=pk, flags=want))
        Reading.objects.bulk_update(changed, ["flags"], batch_size=1000)
        for key_text, moved in result.items():
            n = sum(1 for m in moved if m is not None)
            if n:
                device = sensors[int(key_text)].device_id
                found[device] = found.get(device, 0) + n
    return found


# --- evidence: readings that suggest needs (docs/sensing.md) -------------------------------------

#: the rules every city starts with (officials change them in the admin)
DEFAULT_RULES = (
    # WHO global air quality guidelines (2021): PM2.5 24-hour mean 15 µg/m³, not to be
    # exceeded on more than 3 or 4 days a year
    ("PM2.5 above the WHO daily guideline", "pm25", "daily_mean", 15.0, 3, 14),
    # the EU Environmental Noise Directive's night indicator is commonly judged against 55 dB
    ("Night noise above 55 dB", "LAeq", "night_mean", 55.0, 3, 14),
)


def evidence_rules_defaults() -> int:
    """Create the default rules that do not exist yet (by name). Returns how many."""
    from cocity.sensing.models import EvidenceRule

    made = 0
    for name, quantity, statistic, threshold, min_days, window in DEFAULT_RULES:
        _rule, created = EvidenceRule.objects.get_or_create(
            name=name,
            defaults={
                "quantity": quantity,
                "statistic": statistic,
                "threshold": threshold,
                "min_days": min_days,
                "window_days": window,
            },
        )
        made += created
    return made


def _night_means(*, area: Any, quantity: str, start: datetime, days: int) -> list[float | None]:
    """Per night (22:00 of each day to 06:00 the next, local time): the mean of the usable
    readings of the district's sensors."""
    rows = Reading.objects.filter(
        sensor__area=area,
        quantity=quantity,
        observed_at__gte=start + timedelta(hours=22),
        observed_at__lt=start + timedelta(days=days, hours=6),
    ).values_list("observed_at", "value", "flags")
    sums = [0.0] * days
    counts = [0] * days
    for when, value, flags in rows:
        if not quality.is_usable(flags):
            continue
        k = int((when - start - timedelta(hours=22)).total_seconds() // 86400)
        offset = (when - start).total_seconds() - k * 86400
        if 0 <= k < days and 22 * 3600 <= offset < 30 * 3600:
            sums[k] += value
            counts[k] += 1
    return [sums[k] / counts[k] if counts[k] else None for k in range(days)]


@transaction.atomic
def evidence_evaluate(*, now: datetime | None = None) -> int:
    """Evaluate every active rule in every district with sensors of its quantity: where it
    holds, open a suggestion (or refresh the open one). A district whose suggestion an official
    decided within the rule's window is left alone. Returns how many suggestions were opened."""
    from cocity.core.models import Area
    from cocity.sensing import selectors
    from cocity.sensing.models import EvidenceRule, EvidenceSuggestion, SuggestionStatus

    now = now or timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    opened = 0
    for rule in EvidenceRule.objects.filter(active=True):
        start = today - timedelta(days=rule.window_days)  # whole days up to yesterday
        areas = Area.objects.filter(
            pk__in=Sensor.objects.filter(area__isnull=False).values("area")
        ).order_by("code")
        for area in areas:
            if rule.statistic == EvidenceRule.Statistic.NIGHT_MEAN:
                values = _night_means(
                    area=area, quantity=rule.quantity, start=start, days=rule.window_days
                )
            else:
                values = [
                    d.mean
                    for d in selectors.area_daily(
                        area=area, quantity=rule.quantity, start=start, days=rule.window_days
                    )
                ]
            over: list[tuple[str, float]] = [
                ((start + timedelta(days=k)).date().isoformat(), round(v, 1))
                for k, v in enumerate(values)
                if v is not None and v > rule.threshold
            ]
            if len(over) < rule.min_days:
                continue
            existing = EvidenceSuggestion.objects.filter(rule=rule, area=area)
            open_one = existing.filter(status=SuggestionStatus.OPEN).first()
            if open_one is not None:
                open_one.days = [list(day) for day in over]
                open_one.peak = max(v for _, v in over)
                open_one.save(update_fields=["days", "peak", "updated_at"])
                continue
            if existing.filter(decided_at__gte=start).exists():
                continue
            EvidenceSuggestion.objects.create(
                rule=rule, area=area, days=[list(day) for day in over], peak=max(v for _, v in over)
            )
            opened += 1
    return opened


def _suggestion_open(suggestion: Any, actor: User | None) -> Any:
    from cocity.sensing.models import EvidenceSuggestion, SuggestionStatus

    if actor is None or not actor.has_perm("sensing.review_evidence"):
        raise DomainError("Only officials decide on evidence.", code="forbidden", status=403)
    locked = EvidenceSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    if locked.status != SuggestionStatus.OPEN:
        raise Conflict("This suggestion was decided already.", code="already_decided")
    return locked


def evidence_text(suggestion: Any) -> str:
    """What a need made from the evidence says (in the site's language)."""
    from django.utils.translation import gettext as _

    from cocity.sensing.labels import quantity_label

    rule = suggestion.rule
    unit = QUANTITIES[rule.quantity].unit if rule.quantity in QUANTITIES else ""
    return _(
        "Sensor evidence: %(quantity)s (%(statistic)s) was above %(threshold)s %(unit)s in "
        "%(area)s on %(days)s days (%(first)s to %(last)s), up to %(peak)s %(unit)s. Readings "
        "flagged by the quality checks are left out."
    ) % {
        "quantity": quantity_label(rule.quantity),
        "statistic": rule.get_statistic_display().lower(),
        "threshold": f"{rule.threshold:g}",
        "unit": unit,
        "area": suggestion.area.name,
        "days": len(suggestion.days),
        "first": suggestion.days[0][0],
        "last": suggestion.days[-1][0],
        "peak": f"{suggestion.peak:g}",
    }


@transaction.atomic
def evidence_confirm(
    *, suggestion: Any, actor: User | None, category: Any = None, description: str = ""
) -> Any:
    """An official confirms the evidence as a new need: a needs report (through the needs
    services) in the district's centre, in the rule's category unless another is given."""
    from cocity.needs import services as needs_services
    from cocity.sensing.models import SuggestionStatus

    locked = _suggestion_open(suggestion, actor)
    category = category or locked.rule.category
    if category is None:
        raise DomainError(
            "Choose the category of the need.",
            code="invalid",
            fields={"category": ["Required."]},
        )
    text = evidence_text(locked)
    report = needs_services.report_submit(
        category=category,
        description=f"{description.strip()}\n\n{text}".strip(),
        lat=locked.area.centroid_lat,
        lon=locked.area.centroid_lon,
        reporter=actor,
    )
    locked.status = SuggestionStatus.CONFIRMED
    locked.report = report
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save()
    audit_record(
        action="sensing.evidence_confirmed",
        actor=actor,
        obj=locked,
        data={"report": report.pk, "rule": locked.rule.name},
    )
    return locked


@transaction.atomic
def evidence_attach(*, suggestion: Any, actor: User | None, report: Any) -> Any:
    """Attach the evidence to an existing need: a public update on that report with the
    evidence (the official must be allowed to update it)."""
    from cocity.needs import services as needs_services
    from cocity.sensing.models import SuggestionStatus

    locked = _suggestion_open(suggestion, actor)
    needs_services.report_add_note(report=report, actor=actor, text=evidence_text(locked))
    locked.status = SuggestionStatus.ATTACHED
    locked.report = report
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save()
    audit_record(
        action="sensing.evidence_attached", actor=actor, obj=locked, data={"report": report.pk}
    )
    return locked


@transaction.atomic
def evidence_dismiss(*, suggestion: Any, actor: User | None) -> Any:
    from cocity.sensing.models import SuggestionStatus

    locked = _suggestion_open(suggestion, actor)
    locked.status = SuggestionStatus.DISMISSED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save()
    audit_record(action="sensing.evidence_dismissed", actor=actor, obj=locked)
    return locked
