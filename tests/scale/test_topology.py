"""Issue 19 point 9: the topology docs/operations.md describes, started from its commands.

Two app servers (`cocity serve --no-worker`), one Celery worker (`celery -A cocity.celery_app
--quiet worker -Q default`), PostgreSQL (a database of this test's own, migrated with `cocity
migrate`) and Redis (cache in database 14, broker in 15), all on this machine. Over HTTP: votes
cast through server A give the opinion map server B shows; a report filed through A (Open311, a
key from `cocity open311 create-key`) is answered by an official through B and A shows the
answer; the worker is killed (SIGKILL) while it holds queued tasks, restarted, and every task
runs. Every process is stopped at the end, also on failure."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.service, pytest.mark.slow, pytest.mark.postgres]

BIN = Path(sys.executable).parent
CACHE = "redis://127.0.0.1:6379/14"
BROKER = "redis://127.0.0.1:6379/15"
PASSWORD = "pw-12345-long-topology"

SEED = """
from cocity.core import services as core
from cocity.core.models import Role
from cocity.deliberation import services as deliberation
from cocity.needs import services as needs
square = {"type": "Polygon", "coordinates": [[[-5.70, 40.95], [-5.68, 40.95], [-5.68, 40.97],
          [-5.70, 40.97], [-5.70, 40.95]]]}
core.area_upsert(code="centre", name="Centre", boundary=square, population=1000)
roads = core.department_create(code="roads", name="Roads")
needs.category_create(code="pothole", name="Pothole", department=roads, expected_days=5)
official = core.user_create(email="official@example.org", password=%(password)r,
                            role=Role.OFFICIAL, departments=[roads])
conversation = deliberation.conversation_create(
    actor=official, topic="Benches", allow_anonymous=True,
    seed_statements=["More benches", "More shade", "Fewer cars", "More fountains"])
print("CONVERSATION", conversation.pk)
"""

ENQUEUE = """
import json
from datetime import timedelta
from django.utils import timezone
from cocity.core.tasks import ping
later = timezone.now() + timedelta(seconds=4)
ids = [ping.using(run_after=later).enqueue().id for _ in range(3)]
ids += [ping.enqueue().id for _ in range(20)]
print("IDS", json.dumps(ids))
"""

STATUSES = """
import json
from cocity.core.tasks import ping
ids = json.loads(%(ids)r)
print("STATUSES", json.dumps([ping.get_result(i).status.name for i in ids]))
"""


def _port(taken: set[int]) -> int:
    for port in range(9000, 9100):  # this test's range
        if port in taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        taken.add(port)
        return port
    raise AssertionError("no free port in 9000-9099")


def _until(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = condition()
        except Exception as exc:  # a server still starting refuses connections
            last = exc
        if last and not isinstance(last, Exception):
            return last
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


@pytest.fixture
def database(require_service: Any) -> Iterator[str]:
    """A PostgreSQL database of this test's own, dropped at the end."""
    require_service("postgres")
    require_service("redis")
    import psycopg

    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        base = "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urlsplit(base)
    name = f"cocity_topology_{secrets.token_hex(4)}"
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _clear_ours() -> None:
    """Remove this test's keys without FLUSHDB: other tests use these databases at the same time
    (tests/core/test_celery_backend.py's broker in 14, test_services_backends.py's cache keys,
    prefix ``cocity-test``, in 15). Ours are the cache's (``:1:…``) and the broker's."""
    import redis

    cache, broker = redis.Redis.from_url(CACHE), redis.Redis.from_url(BROKER)
    for key in cache.scan_iter(match=":1:*"):
        cache.delete(key)
    for key in broker.scan_iter():
        if not key.startswith(b"cocity-test"):
            broker.delete(key)


@pytest.fixture
def redis_dbs(require_service: Any) -> Iterator[None]:
    require_service("redis")
    _clear_ours()
    yield
    _clear_ours()


class Topology:
    """The processes of the test, each stopped (its whole group) at the end."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []

    def run(self, *argv: str) -> str:
        done = subprocess.run(
            [str(BIN / "cocity"), *argv], env=self.env, capture_output=True, timeout=180
        )
        assert done.returncode == 0, done.stderr.decode()[-3000:]
        return done.stdout.decode()

    def shell(self, code: str, marker: str) -> str:
        out = self.run("shell", "-c", code)
        [line] = [line for line in out.splitlines() if line.startswith(marker + " ")]
        return line[len(marker) + 1 :]

    def start(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            argv,
            env=self.env,
            stdout=(self.logs / f"{name}.out").open("wb"),
            stderr=(self.logs / f"{name}.err").open("wb"),
            process_group=0,
        )
        self.procs.append(proc)
        return proc

    def app_server(self, name: str, port: int) -> str:
        # docs/operations.md, step 5 (one gunicorn worker each: two servers on a 2-core runner)
        self.start(
            name,
            [
                *(str(BIN / "cocity"), "serve", "--no-worker", "--no-collectstatic"),
                *("--host", "127.0.0.1", "--port", str(port), "--workers", "1"),
            ],
        )
        return f"http://127.0.0.1:{port}"

    def worker(self, name: str) -> subprocess.Popen[bytes]:
        # docs/operations.md, step 6
        return self.start(
            name,
            [
                *(str(BIN / "celery"), "-A", "cocity.celery_app", "--quiet", "worker"),
                *("-Q", "default", "--concurrency", "1", "-n", f"{name}@%h"),
            ],
        )

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture
def topology(database: str, redis_dbs: None, tmp_path: Path) -> Iterator[Topology]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("COCITY_", "DJANGO_")) and k not in {"DATABASE_URL", "EMAIL_URL"}
    }
    env.update(
        {
            # docs/operations.md, step 2, on one machine and over plain HTTP
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": database,
            "REDIS_URL": CACHE,
            "COCITY_TASK_BACKEND": "cocity.core.task_backends.CeleryBackend",
            "COCITY_CELERY_BROKER": BROKER,
            "COCITY_CELERY_VISIBILITY_TIMEOUT": "10",  # crash recovery within the test's time
            "COCITY_BASE_URL": "https://participa.example.org",
            "COCITY_VAR_DIR": str(tmp_path / "var"),  # one host: the media directory is shared
            "LOG_LEVEL": "INFO",
        }
    )
    top = Topology(env, tmp_path)
    try:
        yield top
    finally:
        top.stop()


def _login(session: Any, base: str, email: str) -> None:
    session.get(f"{base}/accounts/login/", timeout=30)
    response = session.post(
        f"{base}/accounts/login/",
        {"login": email, "password": PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        timeout=30,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[-2000:]


def test_two_app_servers_one_worker_postgres_and_redis(topology: Topology) -> None:
    import requests

    topology.run("migrate", "-v", "0")  # docs/operations.md, step 3: once
    conversation = int(topology.shell(SEED % {"password": PASSWORD}, "CONVERSATION"))
    key = topology.run("open311", "create-key", "Street app", "--email-consent").strip()
    taken: set[int] = set()
    a = topology.app_server("a", _port(taken))
    b = topology.app_server("b", _port(taken))
    worker = topology.worker("worker-1")
    for server in (a, b):
        _until(lambda s=server: requests.get(f"{s}/readyz", timeout=5).ok, 60, f"{server} ready")
    _until(lambda: _workers(b) >= 1, 60, "the worker's heartbeat on /healthz")

    # votes through A: six residents without accounts, four statements each
    listed = requests.get(f"{a}/api/conversations/{conversation}/statements/", timeout=30).json()
    numbers = [s["id"] for s in (listed["results"] if isinstance(listed, dict) else listed)]
    assert len(numbers) == 4
    for person in range(6):
        voter = requests.Session()
        for statement in numbers:
            value = "agree" if (person + statement) % 2 else "disagree"
            response = voter.post(
                f"{a}/api/conversations/{conversation}/votes/",
                json={"statement": statement, "vote": value},
                timeout=30,
            )
            assert response.status_code in (200, 201), response.text
    # ... and the map recomputed by the worker, read through B
    results = _until(
        lambda: (
            (r := requests.get(f"{b}/api/conversations/{conversation}/results/", timeout=10))
            .json()
            .get("n_votes")
            == 24
            and r.json()
        ),
        60,
        "the recomputed opinion map on server B",
    )
    assert results["n_participants"] == 6
    assert results["k"] >= 1
    assert results["projections"]

    # a report filed through A (Open311), answered by the official through B, shown by A
    filed = requests.post(
        f"{a}/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": "pothole",
            "lat": "40.96",
            "long": "-5.69",
            "description": "Deep hole by the school",
            "email": "resident@example.org",
        },
        timeout=30,
    )
    assert filed.status_code in (200, 201), filed.text
    report = filed.json()[0]["service_request_id"]
    official = requests.Session()
    _login(official, b, "official@example.org")
    answered = official.post(
        f"{b}/needs/triage/{report}/",
        {
            "action": "status",
            "status-status": "fixed",
            "status-note": "Filled on Tuesday",
            "csrfmiddlewaretoken": official.cookies["csrftoken"],
        },
        timeout=30,
        allow_redirects=False,
    )
    assert answered.status_code == 302, answered.text[-2000:]
    [shown] = requests.get(f"{a}/open311/v2/requests/{report}.json", timeout=30).json()
    assert shown["status"] == "closed"
    assert "Filled on Tuesday" in (shown.get("status_notes") or "")
    # the worker e-mailed the Open311 reporter (consent declared by the key), absolute link
    err = topology.logs / "worker-1.err"
    _until(lambda: b"resident@example.org" in err.read_bytes(), 60, "the update e-mail")
    assert f"https://participa.example.org/needs/{report}/".encode() in err.read_bytes()

    # the worker killed while it holds queued tasks (deferred ones included): nothing is lost
    ids = json.loads(topology.shell(ENQUEUE, "IDS"))
    time.sleep(1)  # it has taken the deferred ones, and is running or holding the others
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    more = json.loads(topology.shell(ENQUEUE, "IDS"))  # queued while no worker runs
    topology.worker("worker-2")

    def statuses() -> list[str]:
        return json.loads(topology.shell(STATUSES % {"ids": json.dumps(ids + more)}, "STATUSES"))

    final = _until(
        lambda: (s := statuses()) and all(x == "SUCCESSFUL" for x in s) and s, 90, "every task"
    )
    assert len(final) == 46


def _workers(base: str) -> int:
    import requests

    body = requests.get(f"{base}/healthz", timeout=5).json()
    return int(_find(body, "workers") or 0)


def _find(body: Any, name: str) -> Any:
    if isinstance(body, dict):
        if name in body:
            return body[name]
        for value in body.values():
            found = _find(value, name)
            if found is not None:
                return found
    return None
