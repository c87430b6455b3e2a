"""The bridge killed mid-stream (SIGKILL: no clean-up of any kind) and started again stores
every published reading exactly once: what it committed but had not acknowledged comes again and
is recognised, what it had not committed comes again and is stored. Real processes (`cocity
mqtt-bridge`), the real Mosquitto on 127.0.0.1:1883, a database of the test's own (a SQLite file,
or a fresh PostgreSQL database in the PostgreSQL pass)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

SETUP = r"""
import django

django.setup()

from django.core.management import call_command

call_command("migrate", "sensing", verbosity=0)

from cocity.sensing import services

print(services.sensor_key_create(name="stream")[1])
"""

MESSAGES = 900  # under Mosquitto's default queue of 1000 for a session that is away
DEVICES = 3


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'bridge.sqlite3'}"
        return
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'cocity'}_bridge"
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _query(database: str, sql: str) -> tuple[int, ...]:
    if database.startswith("sqlite"):
        with sqlite3.connect(database.removeprefix("sqlite:///"), timeout=10) as conn:
            return tuple(conn.execute(sql).fetchone())
    import psycopg

    with psycopg.connect(database) as conn:
        row = conn.execute(sql).fetchone()
        assert row is not None
        return tuple(row)


def _stored(database: str) -> int:
    return _query(database, "SELECT count(*) FROM sensing_reading")[0]


def _log(tmp_path: Path) -> str:
    return (tmp_path / "bridge.log").read_text(errors="replace")[-2000:]


def _wait(until: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not until():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


@pytest.mark.service
@pytest.mark.slow
def test_a_bridge_killed_mid_stream_loses_nothing_and_stores_nothing_twice(
    tmp_path: Path, database: str, require_service: Callable[[str], None]
) -> None:
    require_service("mqtt")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cocity.settings",
        "COCITY_VAR_DIR": str(tmp_path),
        "DATABASE_URL": database,
        "LOG_LEVEL": "ERROR",
    }
    done = subprocess.run(
        [sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    key = done.stdout.strip().splitlines()[-1]
    client_id = f"cocity-kill-{uuid.uuid4().hex[:8]}"
    bridge_cmd = [
        *[str(Path(sys.executable).with_name("cocity")), "mqtt-bridge"],
        *["--url", "mqtt://127.0.0.1:1883", "--client-id", client_id],
    ]

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            bridge_cmd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(tmp_path / "bridge.log", "ab"),
        )

    publisher = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}"
    )
    publisher.connect("127.0.0.1", 1883)
    publisher.loop_start()
    run = uuid.uuid4().hex[:6]
    bridge = start()
    try:
        # the first message registers the device; once it is stored the bridge is subscribed
        # (it is sent again until then: before that, no session keeps it)
        deadline = time.monotonic() + 30
        while _stored(database) == 0:
            assert bridge.poll() is None, f"the bridge stopped: {_log(tmp_path)}"
            assert time.monotonic() < deadline, f"the bridge stored nothing: {_log(tmp_path)}"
            first = publisher.publish(
                f"/ul/{key}/k{run}-0/attrs", "t|2026-03-01T00:00:00Z|pm25|0", qos=1
            )
            first.wait_for_publish(5)
            time.sleep(0.3)
        sent = [first]
        killed_at = -1
        for i in range(1, MESSAGES):
            device = f"k{run}-{i % DEVICES}"
            minute = f"2026-03-01T{i // 60 % 24:02d}:{i % 60:02d}:00Z"
            sent.append(
                publisher.publish(f"/ul/{key}/{device}/attrs", f"t|{minute}|pm25|{i}", qos=1)
            )
            if i % 50 == 0:
                time.sleep(0.02)  # a stream, not one burst
            if killed_at < 0 and i % 25 == 0 and _stored(database) >= 150:
                bridge.send_signal(signal.SIGKILL)  # mid-stream, mid-batch as it happens
                bridge.wait(timeout=10)
                killed_at = _stored(database)
        for info in sent:
            info.wait_for_publish(10)
        assert killed_at > 0, "the bridge was never killed: the stream went too fast"
        assert killed_at < MESSAGES
        bridge = start()  # same session: the broker hands over what was not acknowledged
        _wait(lambda: _stored(database) >= MESSAGES, 30, "not every reading arrived")
        time.sleep(0.5)  # anything delivered twice would now be in
        stored, distinct = _query(
            database,
            "SELECT count(*), count(DISTINCT value) FROM sensing_reading",
        )
        assert stored == MESSAGES
        assert distinct == MESSAGES  # every message's own value, each once
    finally:
        bridge.send_signal(signal.SIGTERM)
        try:
            bridge.wait(timeout=10)
        except subprocess.TimeoutExpired:
            bridge.kill()
        publisher.loop_stop()
        publisher.disconnect()
        forget = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=True,
        )
        forget.connect("127.0.0.1", 1883)
        forget.loop(timeout=0.2)
        forget.disconnect()
