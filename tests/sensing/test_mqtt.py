"""The MQTT bridge: topics and payloads, keys and registration, and exactly-once storage
against the real Mosquitto on 127.0.0.1:1883, including a message redelivered after a crash
between the commit and the acknowledgement."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from django.core.management import call_command
from paho.mqtt.enums import CallbackAPIVersion

from cocity.sensing import mqtt as bridge_module
from cocity.sensing.models import Reading, Sensor, SensorType

BROKER = "mqtt://127.0.0.1:1883"


@pytest.mark.django_db
def test_ultralight_registers_a_device_and_stores_once(sensing: dict[str, Any]) -> None:
    key = sensing["key"]
    payload = b"t|2026-03-01T10:00:00Z|pm25|12.5|pm10|20|lat|40.965|lon|-5.695|colour|red"
    assert bridge_module.handle(f"/ul/{key}/dev-1/attrs", payload) == 2
    assert bridge_module.handle(f"/ul/{key}/dev-1/attrs", payload) == 2  # redelivered
    sensor = Sensor.objects.get(device_id="dev-1")
    assert sensor.entity_type == SensorType.AIR_QUALITY
    assert sensor.area is not None
    assert sensor.area.code == "n1"
    assert sorted(Reading.objects.values_list("quantity", "value")) == [
        ("pm10", 20.0),
        ("pm25", 12.5),
    ]
    assert sensor.quantities["pm25"]["observedAt"] == "2026-03-01T10:00:00Z"


@pytest.mark.django_db
def test_json_noise_device(sensing: dict[str, Any]) -> None:
    topic = f"/json/{sensing['key']}/noise-1/attrs"
    bridge_module.handle(topic, b'{"t": "2026-03-01T23:00:00+01:00", "LAeq": 61.5}')
    sensor = Sensor.objects.get(device_id="noise-1")
    assert sensor.entity_type == SensorType.NOISE
    assert Reading.objects.get().value == 61.5


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("topic", "payload"),
    [
        ("/ul/{key}/d/attrs", b"pm25|1|pm10"),
        ("/ul/{key}/d/attrs", b"\xff\xfe"),
        ("/json/{key}/d/attrs", b"[1]"),
        ("/ul/not-a-key/d/attrs", b"pm25|1"),
        ("/ul/{fixed}/d/attrs", b"pm25|1"),  # this key may not register devices
        ("/ul/{key}/d/cmd", b"pm25|1"),
        ("/ul/{key}/d/attrs", b"pm25|5000|t|2026-03-01T10:00:00"),  # a time with no zone
    ],
)
def test_refused_messages_store_nothing(
    sensing: dict[str, Any], topic: str, payload: bytes
) -> None:
    topic = topic.format(key=sensing["key"], fixed=sensing["fixed_key"])
    with pytest.raises(bridge_module.Rejected):
        bridge_module.handle(topic, payload)
    assert not Sensor.objects.exists()
    assert not Reading.objects.exists()


@pytest.mark.django_db
def test_a_key_writes_only_its_own_devices(sensing: dict[str, Any]) -> None:
    from cocity.sensing.services import sensor_key_create

    bridge_module.handle(f"/ul/{sensing['key']}/mine/attrs", b"pm25|1")
    _, other = sensor_key_create(name="other")
    with pytest.raises(bridge_module.Rejected):
        bridge_module.handle(f"/ul/{other}/mine/attrs", b"pm25|2")
    assert Reading.objects.count() == 1


def test_broker_url() -> None:
    b = bridge_module.broker("mqtt://u:p@broker.local:1884")
    assert (b.host, b.port, b.username, b.password) == ("broker.local", 1884, "u", "p")
    with pytest.raises(ValueError, match="MQTT_URL"):
        bridge_module.broker("http://x")


# --- against the real broker ----------------------------------------------------------------


class SimulatedCrashError(Exception):
    pass


@pytest.fixture
def publisher(require_service: Callable[[str], None]) -> Iterator[mqtt.Client]:
    require_service("mqtt")
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}"
    )
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    yield client
    client.loop_stop()
    client.disconnect()


def _connect(bridge: bridge_module.Bridge) -> None:
    bridge.client.connect("127.0.0.1", 1883)
    deadline = time.monotonic() + 5
    while not bridge.subscribed.is_set():
        assert time.monotonic() < deadline, "no SUBACK from the broker"
        bridge.client.loop(timeout=0.1)


def _pump(bridge: bridge_module.Bridge, until: Callable[[], bool], seconds: float = 5) -> None:
    """Run the bridge's network loop in this thread (it stores in this test's database)."""
    deadline = time.monotonic() + seconds
    while not until():
        assert time.monotonic() < deadline, "timed out"
        bridge.step(timeout=0.1)


def _forget_session(client_id: str) -> None:
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True
    )
    client.connect("127.0.0.1", 1883)
    client.loop(timeout=0.2)
    client.disconnect()


@pytest.mark.service
@pytest.mark.django_db(transaction=True)
def test_bridge_stores_each_reading_once_even_when_redelivered(
    sensing: dict[str, Any], publisher: mqtt.Client
) -> None:
    key, client_id = sensing["key"], f"cocity-test-{uuid.uuid4().hex[:8]}"
    device = f"dev-{uuid.uuid4().hex[:6]}"
    topic = f"/ul/{key}/{device}/attrs"
    first = bridge_module.Bridge(BROKER, client_id=client_id)
    crashes = []

    def crash(msg: mqtt.MQTTMessage) -> None:  # committed, then dies before the PUBACK
        crashes.append(msg.mid)
        raise SimulatedCrashError

    first._ack = crash  # type: ignore[method-assign]
    first.client.suppress_exceptions = False
    try:
        _connect(first)
        publisher.publish(topic, "t|2026-03-01T10:00:00Z|pm25|7.5", qos=1).wait_for_publish(5)
        with pytest.raises(SimulatedCrashError):
            _pump(first, lambda: bool(crashes))
        assert Reading.objects.count() == 1  # stored, but never acknowledged
        first.client.socket().close()  # the process is gone

        second = bridge_module.Bridge(BROKER, client_id=client_id)
        second.client.connect("127.0.0.1", 1883)
        _pump(second, lambda: second.stored >= 1)  # the broker delivers it again
        # the same reading again (a device that resends), and a new one
        publisher.publish(topic, "t|2026-03-01T10:00:00Z|pm25|7.5", qos=1).wait_for_publish(5)
        publisher.publish(topic, "t|2026-03-01T11:00:00Z|pm25|8.5", qos=1).wait_for_publish(5)
        _pump(second, lambda: second.stored >= 3)
        second.client.disconnect()
    finally:
        _forget_session(client_id)
    values = list(Reading.objects.order_by("observed_at").values_list("value", flat=True))
    assert values == [7.5, 8.5]
    assert Sensor.objects.get(device_id=device).owner is not None


@pytest.mark.service
@pytest.mark.django_db(transaction=True)
def test_the_command_runs_until_stopped(
    sensing: dict[str, Any], publisher: mqtt.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cocity mqtt-bridge` refuses to start without a broker, and with one stores a message
    sent to it (the loop is stopped from the message handler once it is stored)."""
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="MQTT_URL"):
        call_command("mqtt_bridge", url="")
    client_id = f"cocity-test-{uuid.uuid4().hex[:8]}"
    device = f"json-{uuid.uuid4().hex[:6]}"
    real_ack = bridge_module.Bridge._ack

    def ack_then_stop(self: bridge_module.Bridge, msg: mqtt.MQTTMessage) -> None:
        real_ack(self, msg)
        self.stop()

    monkeypatch.setattr(bridge_module.Bridge, "_ack", ack_then_stop)
    subscribed = bridge_module.Bridge._on_subscribe

    def subscribed_then_publish(self: bridge_module.Bridge, *args: Any) -> None:
        subscribed(self, *args)
        topic = f"/json/{sensing['key']}/{device}/attrs"
        publisher.publish(topic, '{"LAeq": 55}', qos=1)

    monkeypatch.setattr(bridge_module.Bridge, "_on_subscribe", subscribed_then_publish)
    try:
        call_command("mqtt_bridge", url=BROKER, client_id=client_id)
    finally:
        _forget_session(client_id)
    assert Reading.objects.get(sensor__device_id=device).value == 55
