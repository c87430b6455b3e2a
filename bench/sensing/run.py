"""Sensing benchmarks (issue 16 point 9), each with its reference measured in the same run.

    .venv/bin/python bench/sensing/run.py [--quick] [--only upsert,mqtt,temporal] [--postgres URL]

On PostgreSQL (postgres://postgres@127.0.0.1:5432/benchsensing by default; its tables are
dropped first), against this tree's code:

(a) upsert: NGSI-LD ``POST /ngsi-ld/v1/entityOperations/upsert`` over HTTP against
    `cocity serve` (2 workers), 4 clients at once, each batch 1000 AirQualityObserved entities
    of 6 quantities (6000 readings) at a new dateObserved. Figure: readings stored per second.
    Reference in the same run: raw psycopg COPY of the same rows into a table of the same shape
    and indexes. Floor: >= 20,000 readings/s (Orion-LD publishes about 700 entity creations/s).
(b) mqtt: `cocity mqtt-bridge` against its own Mosquitto (a private one on a free port, so its
    queue limits are the bench's: the packaged default drops QoS 1 messages queued beyond 1000),
    1,000,000 Ultralight messages at QoS 1 from 20 devices (one `mosquitto_pub -l` each, all at
    once); from the first publish to the last reading committed; stored count must equal sent
    count. Floor: >= 5,000 messages/s. Reference: the publishers alone (until the broker has
    acknowledged their last message).
(c) temporal: 10,000,000 readings loaded with COPY (1000 sensors × 10,000), then
    ``GET /temporal/entities/{id}?lastN=1000`` for random sensors, p50 of 100 sequential
    requests. Floor: p50 < 20 ms. Reference: the same newest 1000 rows read by psycopg alone.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import queue
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent.parent / "src"), str(HERE.parent)]

import _server  # noqa: E402

PG_URL = "postgres://postgres@127.0.0.1:5432/benchsensing"
parser = argparse.ArgumentParser()
parser.add_argument("--quick", action="store_true", help="smaller runs (not the floors' sizes)")
parser.add_argument("--only", default="upsert,mqtt,temporal")
parser.add_argument("--postgres", default=PG_URL)
parser.add_argument("--messages", type=int, default=0, help="MQTT messages (1,000,000)")
parser.add_argument("--readings", type=int, default=0, help="stored readings for (c) (10M)")
ARGS = parser.parse_args()

VAR_DIR = tempfile.mkdtemp(prefix="cocity-bench-sensing-")
os.environ["COCITY_VAR_DIR"] = VAR_DIR
os.environ["DJANGO_SETTINGS_MODULE"] = "cocity.settings"
os.environ["LOG_LEVEL"] = os.environ.get("LOG_LEVEL", "WARNING")
os.environ["DATABASE_URL"] = ARGS.postgres

import psycopg  # noqa: E402

_dbname = psycopg.conninfo.conninfo_to_dict(ARGS.postgres)["dbname"]
with psycopg.connect(
    psycopg.conninfo.make_conninfo(ARGS.postgres, dbname="postgres"), autocommit=True
) as _admin:
    if _admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [_dbname]).fetchone() is None:
        _admin.execute(f'CREATE DATABASE "{_dbname}"')

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from cocity.sensing import services  # noqa: E402
from cocity.sensing.models import Reading, Sensor  # noqa: E402

QUANTITIES = ("pm25", "pm10", "no2", "o3", "temperature", "relativeHumidity")
SENSORS = 1000
PUBLISHERS = 20  # MQTT devices, one mosquitto_pub each
T0 = datetime(2026, 1, 1, tzinfo=UTC)
LAT0, LON0 = 40.92, -5.74


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def prepare() -> str:
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE")
        cursor.execute("CREATE SCHEMA public")
    call_command("migrate", verbosity=0)
    _, key = services.sensor_key_create(name="bench")
    return key


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- (a) NGSI-LD batch upsert ---------------------------------------------------------------


def entity(i: int, when: datetime, rng: random.Random) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": f"urn:ngsi-ld:AirQualityObserved:bench-{i:04d}",
        "type": "AirQualityObserved",
        "dateObserved": {"type": "Property", "value": {"@type": "DateTime", "@value": iso(when)}},
        "location": {
            "type": "GeoProperty",
            "value": {
                "type": "Point",
                "coordinates": [LON0 + (i % 40) * 0.003, LAT0 + (i // 40) * 0.003],
            },
        },
    }
    for name in QUANTITIES:
        out[name] = {"type": "Property", "value": round(rng.uniform(1, 60), 1)}
    return out


def upsert(key: str, batches: int, clients: int = 4) -> dict[str, Any]:
    rng = random.Random(1)
    bodies = []
    rows = []  # the same readings, for the COPY reference
    for k in range(batches + 1):
        when = T0 + timedelta(minutes=k)
        batch = [entity(i, when, rng) for i in range(SENSORS)]
        bodies.append(json.dumps(batch).encode())
        if k:
            rows.extend(
                (i, q, when, e[q]["value"]) for i, e in enumerate(batch) for q in QUANTITIES
            )
    headers = {"Content-Type": "application/json", "X-Api-Key": key}
    path = "/ngsi-ld/v1/entityOperations/upsert"
    port = _server.free_port()
    server = _server.serve(VAR_DIR, port)
    try:
        status, body = _server.request(port, "POST", path, bodies[0], headers)  # the sensors
        assert status == 201, (status, body[:300])
        before = Reading.objects.count()
        work: queue.Queue[bytes] = queue.Queue()
        for b in bodies[1:]:
            work.put(b)
        statuses: list[int] = []

        def client() -> None:
            import http.client

            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            while True:
                try:
                    b = work.get_nowait()
                except queue.Empty:
                    break
                statuses.append(_server.request(port, "POST", path, b, headers, conn=conn)[0])
            conn.close()

        threads = [threading.Thread(target=client) for _ in range(clients)]
        t = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        took = time.perf_counter() - t
        stored = Reading.objects.count() - before
    finally:
        _server.stop(server)
    # the reference: the same rows copied by psycopg alone into a table like sensing_reading
    ids = dict(Sensor.objects.values_list("device_id", "pk"))
    copy_rows = [(ids[f"bench-{i:04d}"], q, w, v) for i, q, w, v in rows]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_copy (LIKE sensing_reading INCLUDING ALL)")
    with psycopg.connect(ARGS.postgres) as raw:
        t = time.perf_counter()
        with (
            raw.cursor() as cur,
            cur.copy(
                "COPY bench_copy (sensor_id, quantity, observed_at, value, flags) FROM STDIN"
            ) as copy,
        ):
            for r in copy_rows:
                copy.write_row((*r, 0))
        raw.commit()
        copy_took = time.perf_counter() - t
    return {
        "sent": len(rows),
        "stored": stored,
        "rate": stored / took,
        "entities_rate": batches * SENSORS / took,
        "statuses": sorted(set(statuses)),
        "copy_rate": len(rows) / copy_took,
        "seconds": took,
    }


# --- (b) MQTT end to end --------------------------------------------------------------------


def mosquitto(port: int) -> subprocess.Popen[bytes]:
    conf = Path(VAR_DIR) / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_inflight_messages 2000\nmax_queued_messages 0\nmax_queued_bytes 0\n"
    )
    proc = subprocess.Popen(
        ["mosquitto", "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=open(Path(VAR_DIR) / "mosquitto.log", "wb"),  # noqa: SIM115
    )
    time.sleep(0.5)
    return proc


def mqtt_e2e(key: str, messages: int) -> dict[str, Any]:
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    port = _server.free_port()
    broker = mosquitto(port)
    bridge = subprocess.Popen(
        [
            str(_server.VENV_BIN / "cocity"),
            "mqtt-bridge",
            "--url",
            f"mqtt://127.0.0.1:{port}",
            "--client-id",
            "bench-bridge",
        ],
        env=_server.child_env(),
        stdout=subprocess.DEVNULL,
        stderr=open(Path(VAR_DIR) / "bridge.log", "wb"),  # noqa: SIM115
        cwd=VAR_DIR,
    )
    pub = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id="bench-pub")
    pub.max_inflight_messages_set(1000)
    pub.connect("127.0.0.1", port)
    pub.loop_start()
    try:

        def stored() -> int:
            return Reading.objects.filter(sensor__device_id__startswith="mq-").count()

        def wait_for(n: int, seconds: float) -> float:
            deadline = time.monotonic() + seconds
            while (count := stored()) < n:
                if time.monotonic() > deadline or bridge.poll() is not None:
                    raise SystemExit(f"stored {count} of {n}; see {VAR_DIR}/bridge.log")
                time.sleep(0.5)
            return time.perf_counter()

        # the devices' first messages register them (not timed); the bridge is subscribed once
        # the first of them is stored
        devices = PUBLISHERS
        first = T0 - timedelta(days=1)
        deadline = time.monotonic() + 60
        while stored() == 0:
            pub.publish(f"/ul/{key}/mq-0000/attrs", f"t|{iso(first)}|pm25|1", qos=1)
            time.sleep(0.5)
            assert time.monotonic() < deadline, "the bridge does not store"
        for d in range(devices):
            pub.publish(f"/ul/{key}/mq-{d:04d}/attrs", f"t|{iso(first)}|pm25|1", qos=1)
        wait_for(devices, 120)
        base = stored()
        # the stream: mosquitto_pub -l (one process per device, QoS 1, 1000 in flight), so the
        # publisher is not the bottleneck (paho in Python publishes ≈ 3,000/s on this machine)
        rng = random.Random(2)
        files = []
        for d in range(PUBLISHERS):
            lines = [
                f"t|{iso(T0 + timedelta(seconds=i))}|pm25|{rng.uniform(1, 60):.1f}\n"
                for i in range(d, messages, PUBLISHERS)
            ]
            path = Path(VAR_DIR) / f"stream-{d}.txt"
            path.write_text("".join(lines))
            files.append(path)
        t = time.perf_counter()
        pubs = [
            subprocess.Popen(
                [
                    *["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-q", "1", "-M"],
                    *["1000", "-l", "-i", f"bench-pub-{d}", "-t"],
                    f"/ul/{key}/mq-{d:04d}/attrs",
                ],
                stdin=open(path, "rb"),  # noqa: SIM115
            )
            for d, path in enumerate(files)
        ]
        for proc in pubs:
            assert proc.wait(timeout=1800) == 0
        published = time.perf_counter() - t
        done = wait_for(base + messages, 1800)
        total = stored() - base
        duplicates = Reading.objects.raw(
            "SELECT 1 AS id FROM sensing_reading GROUP BY sensor_id, quantity, observed_at "
            "HAVING count(*) > 1 LIMIT 1"
        )
        return {
            "sent": messages,
            "stored": total,
            "rate": messages / (done - t),
            "publish_rate": messages / published,
            "seconds": done - t,
            "duplicates": len(list(duplicates)),
        }
    finally:
        pub.loop_stop()
        pub.disconnect()
        bridge.terminate()
        try:
            bridge.wait(timeout=30)
        except subprocess.TimeoutExpired:
            bridge.kill()
        broker.terminate()
        broker.wait(timeout=10)


# --- (c) temporal lastN over 10M readings ---------------------------------------------------


def load_readings(n: int) -> tuple[list[int], float]:
    """n readings (1000 sensors, hourly pm25) copied in, the unique index rebuilt after."""
    per = n // SENSORS
    sensors = Sensor.objects.bulk_create(
        [
            Sensor(
                device_id=f"tl-{i:04d}",
                entity_type="AirQualityObserved",
                lat=LAT0,
                lon=LON0,
                quantities={
                    "pm25": {
                        "unitCode": "GQ",
                        "value": 1.0,
                        "observedAt": iso(T0 + timedelta(hours=per - 1)),
                    }
                },
            )
            for i in range(SENSORS)
        ]
    )
    ids = [s.pk for s in sensors]
    stamps = [(T0 + timedelta(hours=h)).strftime("%Y-%m-%d %H:%M:%S+00") for h in range(per)]
    rng = random.Random(3)
    values = [f"{rng.uniform(1, 60):.1f}" for _ in range(997)]
    t = time.perf_counter()
    with psycopg.connect(ARGS.postgres) as raw:
        raw.execute("ALTER TABLE sensing_reading DROP CONSTRAINT reading_once")
        raw.execute("DROP INDEX IF EXISTS reading_time")
        with (
            raw.cursor() as cur,
            cur.copy(
                "COPY sensing_reading (sensor_id, quantity, observed_at, value, flags) FROM STDIN"
            ) as copy,
        ):
            for k, pk in enumerate(ids):
                buf = io.StringIO()
                for h, stamp in enumerate(stamps):
                    buf.write(f"{pk}\tpm25\t{stamp}\t{values[(h + k) % 997]}\t0\n")
                copy.write(buf.getvalue())
        raw.commit()
        raw.execute(
            "ALTER TABLE sensing_reading ADD CONSTRAINT reading_once "
            "UNIQUE (sensor_id, quantity, observed_at)"
        )
        raw.execute(
            "CREATE INDEX reading_time ON sensing_reading USING brin (observed_at) "
            "WITH (pages_per_range = 32)"
        )
        raw.commit()
        raw.autocommit = True
        raw.execute("VACUUM ANALYZE sensing_reading")
    return ids, time.perf_counter() - t


def temporal(n: int, runs: int = 100) -> dict[str, Any]:
    ids, load = load_readings(n)
    total = Reading.objects.count()
    rng = random.Random(4)
    picks = [rng.randrange(SENSORS) for _ in range(runs)]
    port = _server.free_port()
    server = _server.serve(VAR_DIR, port)
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times = []
    sizes = []
    try:
        for i in [0, 1, 2, *picks]:  # three to warm the workers up
            path = f"/ngsi-ld/v1/temporal/entities/urn:ngsi-ld:AirQualityObserved:tl-{i:04d}"
            t = time.perf_counter()
            status, body = _server.request(port, "GET", path + "?lastN=1000", conn=conn)
            times.append((time.perf_counter() - t) * 1000)
            assert status == 200, (status, body[:300])
            sizes.append(len(json.loads(body)["pm25"]))
    finally:
        conn.close()
        _server.stop(server)
    ref = []
    with psycopg.connect(ARGS.postgres) as raw:
        for i in picks:
            t = time.perf_counter()
            rows = raw.execute(
                "SELECT observed_at, value, flags FROM sensing_reading WHERE sensor_id = %s "
                "AND quantity = 'pm25' ORDER BY observed_at DESC LIMIT 1000",
                [ids[i]],
            ).fetchall()
            ref.append((time.perf_counter() - t) * 1000)
            assert len(rows) == 1000
    return {
        "stored": total,
        "load_s": load,
        "p50": statistics.median(times[3:]),
        "p95": sorted(times[3:])[int(0.95 * runs) - 1],
        "instances": min(sizes),
        "ref_p50": statistics.median(ref),
    }


def main() -> int:
    if shutil.which("mosquitto") is None and "mqtt" in ARGS.only:
        raise SystemExit("mosquitto is needed: apt-get install mosquitto")
    only = set(ARGS.only.split(","))
    messages = ARGS.messages or (100_000 if ARGS.quick else 1_000_000)
    readings = ARGS.readings or (1_000_000 if ARGS.quick else 10_000_000)
    print(f"# sensing benchmarks on PostgreSQL, {os.cpu_count()} CPUs, {loadavg()}", flush=True)
    key = prepare()
    try:
        if "upsert" in only:
            r = upsert(key, 10 if ARGS.quick else 40)
            met = r["rate"] >= 20_000 and r["stored"] == r["sent"]
            print(
                f"(a) NGSI-LD batch upsert over HTTP (2 workers, 4 clients, 1000 entities × 6 "
                f"quantities a batch): {r['rate']:,.0f} readings/s ({r['entities_rate']:,.0f} "
                f"entities/s; {r['stored']:,} stored of {r['sent']:,} sent in "
                f"{r['seconds']:.1f} s, statuses {r['statuses']}); reference raw psycopg COPY of "
                f"the same rows: {r['copy_rate']:,.0f} rows/s; {loadavg()}; floor (>= 20,000 "
                f"readings/s) {'met' if met else 'NOT MET'}",
                flush=True,
            )
        if "mqtt" in only:
            m = mqtt_e2e(key, messages)
            met = m["rate"] >= 5_000 and m["stored"] == m["sent"] and not m["duplicates"]
            print(
                f"(b) MQTT end to end, {m['sent']:,} QoS 1 messages: {m['rate']:,.0f} "
                f"messages/s ({m['seconds']:.0f} s; stored {m['stored']:,}, duplicates "
                f"{m['duplicates']}); reference, the publisher alone: {m['publish_rate']:,.0f} "
                f"messages/s; {loadavg()}; floor (>= 5,000 messages/s, stored == sent) "
                f"{'met' if met else 'NOT MET'}",
                flush=True,
            )
        if "temporal" in only:
            c = temporal(readings)
            met = c["p50"] < 20 and c["stored"] >= readings
            print(
                f"(c) temporal lastN=1000 with {c['stored']:,} stored readings (COPY load "
                f"{c['load_s']:.0f} s): p50 {c['p50']:.1f} ms, p95 {c['p95']:.1f} ms over HTTP "
                f"({c['instances']} instances); reference, psycopg's SELECT of the same rows: "
                f"p50 {c['ref_p50']:.2f} ms; {loadavg()}; floor (p50 < 20 ms) "
                f"{'met' if met else 'NOT MET'}",
                flush=True,
            )
    finally:
        connection.close()
        shutil.rmtree(VAR_DIR, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
