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
from dataclasses import dataclass
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
from cocity.sensing.models import SensorType

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


def handle(topic: str, payload: bytes) -> int:
    """Store one message's readings (in the caller's transaction). Returns how many readings it
    carried; raises ``Rejected`` for a message that can never be stored."""
    parts = topic.split("/")
    if len(parts) != 5 or parts[0] or parts[1] not in ("ul", "json") or parts[4] != "attrs":
        raise Rejected(f"not a device topic: {topic}")
    _, protocol, api_key, device_id, _ = parts
    key = selectors.sensor_key_valid(api_key)
    if key is None:
        raise Rejected("unknown or revoked key")
    try:
        text = payload.decode()
        measures = parse_ultralight(text) if protocol == "ul" else parse_json(text)
    except (UnicodeDecodeError, PayloadError) as exc:
        raise Rejected(f"payload: {exc}") from exc
    lat = measures.values.pop("lat", None)
    lon = measures.values.pop("lon", None)
    when = measures.observed_at or timezone.now()
    sensor = selectors.sensor_get(device_id=device_id)
    entity_type = sensor.entity_type if sensor else _guess_type(measures)
    allowed = TYPE_QUANTITIES[entity_type]
    skipped = sorted(set(measures.values) - set(allowed))
    if skipped:
        log.warning("device %s: ignored attributes %s", device_id, ", ".join(skipped))
    batch = [
        services.Measure(name, when, value)
        for name, value in measures.values.items()
        if name in allowed
    ]
    try:
        if sensor is None:
            services.sensor_register(
                device_id=device_id,
                entity_type=entity_type,
                owner=key,
                lat=lat,
                lon=lon,
                measures=batch,
            )
        else:
            services.sensor_writable(sensor=sensor, key=key)
            if lat is not None and lon is not None:
                services.sensor_update(sensor=sensor, lat=lat, lon=lon, measures=batch)
            else:
                services.readings_store(sensor=sensor, measures=batch)
    except DomainError as exc:
        raise Rejected(f"device {device_id}: {exc.message}") from exc
    return len(batch)


class Bridge:
    """One connection to the broker. ``run()`` blocks until ``stop()`` or a failure."""

    def __init__(self, url: str, *, client_id: str = "cocity-bridge") -> None:
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
        if self.failure is not None:
            return  # stopping: leave the rest unacknowledged, to be delivered again
        try:
            close_old_connections()
            with transaction.atomic():
                self.stored += handle(msg.topic, msg.payload)
        except Rejected as exc:
            log.warning("message on %s refused: %s", msg.topic, exc)
        except Exception as exc:  # not stored: stop without acknowledging
            log.exception("message on %s not stored; stopping", msg.topic)
            self.failure = exc
            client.disconnect()
            return
        self._ack(msg)

    def _ack(self, msg: mqtt.MQTTMessage) -> None:
        """Only now, after the commit, may the broker forget the message."""
        self.client.ack(msg.mid, msg.qos)

    def run(self) -> None:
        self.client.connect(self.broker.host, self.broker.port, keepalive=30)
        self.client.loop_forever(retry_first_connection=False)
        if self.failure is not None:
            raise self.failure

    def stop(self) -> None:
        self.client.disconnect()
