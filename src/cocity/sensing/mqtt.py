"""The MQTT bridge: IoT-Agent style topics on a broker, stored as readings exactly once.

Topics ``/ul/<apikey>/<device>/attrs`` (Ultralight 2.0, ``k|v|k|v``) and
``/json/<apikey>/<device>/attrs`` (a JSON object), both optionally with ``t`` (ISO 8601) for the
measurement time. The bridge subscribes with QoS 1 in a persistent session (``clean_session``
off, a fixed client id) and acknowledges a message only after its readings are committed: if
the bridge dies before, the broker delivers the message again when it reconnects, and the unique
(sensor, quantity, observed time) turns the second delivery into no change.

A message that can never be stored (unknown key, bad payload, a device the key may not
register) is logged and acknowledged, so the broker does not send it forever. Anything else (the
database gone) stops the bridge unacknowledged: ``cocity serve`` then stops and is restarted.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from django.db import close_old_connections, transaction
from django.utils import timezone
from paho.mqtt.enums import CallbackAPIVersion

from cocity.compute.sensing.payloads import Measures, PayloadError, parse_json, parse_ultralight
from cocity.compute.sensing.quantities import TYPE_QUANTITIES
from cocity.core.errors import DomainError
from cocity.sensing import selectors, services
from cocity.sensing.models import Sensor, SensorKey, SensorType

log = logging.getLogger("cocity.sensing.mqtt")

TOPICS = ("/ul/+/+/attrs", "/json/+/+/attrs")


class Rejected(Exception):  # noqa: N818 — a message refused for good (acknowledged, logged)
    pass


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    username: str | None
    password: str | None


def broker(url: str) -> Broker:
    """``mqtt://user:pass@host:1883`` → its parts."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "tcp") or not parts.hostname:
        raise ValueError("MQTT_URL is mqtt://[user:password@]host[:port]")
    return Broker(parts.hostname, parts.port or 1883, parts.username, parts.password)


def _guess_type(measures: Measures) -> str:
    noise = set(TYPE_QUANTITIES[SensorType.NOISE])
    return SensorType.NOISE if noise & set(measures.values) else SensorType.AIR_QUALITY


@dataclass
class _Parsed:
    key: SensorKey
    device_id: str
    measures: Measures
    lat: float | None
    lon: float | None


def _parse(topic: str, payload: bytes, keys: dict[str, SensorKey | None]) -> _Parsed:
    parts = topic.split("/")
    if len(parts) != 5 or parts[0] or parts[1] not in ("ul", "json") or parts[4] != "attrs":
        raise Rejected(f"not a device topic: {topic}")
    _, protocol, api_key, device_id, _ = parts
    if api_key not in keys:
        keys[api_key] = selectors.sensor_key_valid(api_key)
    key = keys[api_key]
    if key is None:
        raise Rejected("unknown or revoked key")
    try:
        text = payload.decode()
        measures = parse_ultralight(text) if protocol == "ul" else parse_json(text)
    except (UnicodeDecodeError, PayloadError) as exc:
        raise Rejected(f"payload: {exc}") from exc
    lat = measures.values.pop("lat", None)
    lon = measures.values.pop("lon", None)
    return _Parsed(key, device_id, measures, lat, lon)


def store_batch(messages: Sequence[tuple[str, bytes]]) -> tuple[int, list[Rejected | None]]:
    """Store the readings of many messages (in the caller's transaction): one look-up of their
    keys and devices, one insert of all their readings. Returns how many readings they carried
    and, per message, the ``Rejected`` it got (it stores nothing) or None."""
    keys: dict[str, SensorKey | None] = {}
    now = timezone.now()
    parsed: list[_Parsed | Rejected] = []
    for topic, payload in messages:
        try:
            parsed.append(_parse(topic, payload, keys))
        except Rejected as exc:
            parsed.append(exc)
    devices = {p.device_id for p in parsed if isinstance(p, _Parsed)}
    known = {s.device_id: s for s in Sensor.objects.filter(device_id__in=devices)}
    outcome: list[Rejected | None] = []
    writes: list[tuple[Sensor, list[services.Measure]]] = []
    count = 0
    changes: dict[str, set[str]] = {}
    for p in parsed:
        if isinstance(p, Rejected):
            outcome.append(p)
            continue
        try:
            batch, sensor = _readings_of(p, known, now)
        except Rejected as exc:
            outcome.append(exc)
            continue
        outcome.append(None)
        if sensor is not None:
            writes.append((sensor, batch))
        count += len(batch)
        stored_on = known[p.device_id]
        changes.setdefault(stored_on.entity_id, set()).update(m.quantity for m in batch)
    services.readings_store_many(writes)
    services.entities_changed(changes)  # the subscriptions hear of MQTT readings too
    return count, outcome


def _readings_of(
    p: _Parsed, known: dict[str, Sensor], now: datetime
) -> tuple[list[services.Measure], Sensor | None]:
    """The message's readings and the sensor to store them on (None: stored already, with a
    newly registered or moved sensor)."""
    when = p.measures.observed_at or now
    sensor = known.get(p.device_id)
    entity_type = sensor.entity_type if sensor else _guess_type(p.measures)
    allowed = TYPE_QUANTITIES[entity_type]
    skipped = sorted(set(p.measures.values) - set(allowed))
    if skipped:
        log.warning("device %s: ignored attributes %s", p.device_id, ", ".join(skipped))
    batch = [
        services.Measure(name, when, value)
        for name, value in p.measures.values.items()
        if name in allowed
    ]
    try:
        if sensor is None:
            known[p.device_id] = services.sensor_register(
                device_id=p.device_id,
                entity_type=entity_type,
                owner=p.key,
                lat=p.lat,
                lon=p.lon,
                measures=batch,
            )
            return batch, None
        services.sensor_writable(sensor=sensor, key=p.key)
        if p.lat is not None and p.lon is not None and (p.lat, p.lon) != (sensor.lat, sensor.lon):
            known[p.device_id] = services.sensor_update(
                sensor=sensor, lat=p.lat, lon=p.lon, measures=batch
            )
            return batch, None
    except DomainError as exc:
        raise Rejected(f"device {p.device_id}: {exc.message}") from exc
    return batch, sensor


def handle(topic: str, payload: bytes) -> int:
    """Store one message's readings (in the caller's transaction). Returns how many readings it
    carried; raises ``Rejected`` for a message that can never be stored."""
    count, outcome = store_batch([(topic, payload)])
    if outcome[0] is not None:
        raise outcome[0]
    return count


class Bridge:
    """One connection to the broker. ``run()`` blocks until ``stop()`` or a failure.

    Messages are stored in batches: those that arrived while the last batch was written (at most
    ``batch_size``) are written in one transaction and acknowledged after its commit."""

    def __init__(
        self, url: str, *, client_id: str = "cocity-bridge", batch_size: int = 2000
    ) -> None:
        self.broker = broker(url)
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        if self.broker.username:
            self.client.username_pw_set(self.broker.username, self.broker.password)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.subscribed = threading.Event()
        self.client.on_subscribe = self._on_subscribe
        self.failure: BaseException | None = None
        self.stored = 0
        self.batch_size = batch_size
        self.pending: list[mqtt.MQTTMessage] = []
        self._stopping = False

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        if reason.is_failure:
            log.error("broker refused the connection: %s", reason)
            return
        client.subscribe([(topic, 1) for topic in TOPICS])

    def _on_subscribe(self, *args: Any) -> None:
        self.subscribed.set()

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        if self.failure is None:
            self.pending.append(msg)

    def flush(self) -> None:
        """Store the pending messages in one transaction, then acknowledge them."""
        messages, self.pending = self.pending, []
        if not messages or self.failure is not None:
            return
        try:
            close_old_connections()
            with transaction.atomic():
                count, outcome = store_batch([(m.topic, m.payload) for m in messages])
        except Exception as exc:  # not stored: stop without acknowledging
            log.exception("%d messages not stored; stopping", len(messages))
            self.failure = exc
            self.client.disconnect()
            return
        self.stored += count
        for msg, refused in zip(messages, outcome, strict=True):
            if refused is not None:
                log.warning("message on %s refused: %s", msg.topic, refused)
            self._ack(msg)

    def _ack(self, msg: mqtt.MQTTMessage) -> None:
        """Only now, after the commit, may the broker forget the message."""
        self.client.ack(msg.mid, msg.qos)

    def step(self, timeout: float = 1.0) -> mqtt.MQTTErrorCode:
        """One turn of the network loop; the pending messages are stored when the socket has
        nothing more to read right now, or when there are ``batch_size`` of them."""
        before = len(self.pending)
        rc = self.client.loop(timeout=0.0 if self.pending else timeout)
        if self.pending and (len(self.pending) == before or len(self.pending) >= self.batch_size):
            self.flush()
        return rc

    def run(self) -> None:
        self.client.connect(self.broker.host, self.broker.port, keepalive=30)
        while not self._stopping and self.failure is None:
            rc = self.step()
            if rc != mqtt.MQTT_ERR_SUCCESS and not self._stopping and self.failure is None:
                self.pending = []  # their acknowledgements cannot be sent: they come again
                log.warning("lost the broker (%s); reconnecting", rc)
                time.sleep(1)
                try:
                    self.client.reconnect()
                except OSError:
                    continue
        if self.failure is not None:
            raise self.failure
        self.flush()
        self.client.disconnect()

    def stop(self) -> None:
        """Stop after the current batch (from a signal handler or a callback)."""
        self._stopping = True
