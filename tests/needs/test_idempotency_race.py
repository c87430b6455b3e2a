"""Open311 clients retry: the same submission sent several times at once, with one
``Idempotency-Key``, files one report and every answer names it. Real concurrent requests
to a real server (gunicorn, several workers and threads) on a file SQLite database, or on
PostgreSQL in the PostgreSQL pass."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SETUP = r"""
import django

django.setup()

from django.core.management import call_command

call_command("migrate", verbosity=0)

from cocity.core import services as core
from cocity.needs import services

square = [[-5.7, 40.95], [-5.69, 40.95], [-5.69, 40.96], [-5.7, 40.96], [-5.7, 40.95]]
boundary = {"type": "Polygon", "coordinates": [square]}
core.area_upsert(code="centre", name="Centre", boundary=boundary)
roads = core.department_create(code="roads", name="Roads")
services.category_create(code="pothole", name="Pothole", department=roads)
print(services.open311_key_create(name="race")[1])
"""

COUNT = r"""
import django

django.setup()

from cocity.needs.models import Report, SubmissionKey

print(Report.objects.count(), SubmissionKey.objects.count())
"""

CONCURRENT = 8  # requests sent at once with the same key
ROUNDS = 4  # keys


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _python(script: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    """A database of its own: a file next to the test, or on PostgreSQL (when the pass runs
    there) a fresh one beside the test database."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'race.sqlite3'}"
        return
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'cocity'}_race"
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _post(url: str, data: dict[str, str], key: str) -> tuple[int, Any]:
    request = urllib.request.Request(
        url, data=urllib.parse.urlencode(data).encode(), headers={"Idempotency-Key": key}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


@pytest.mark.slow
def test_concurrent_requests_with_one_idempotency_key_file_one_report(
    tmp_path: Path, database: str
) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cocity.settings",
        "COCITY_VAR_DIR": str(tmp_path),
        "DATABASE_URL": database,
    }
    api_key = _python(SETUP, env)
    port = _free_port()
    cocity = str(Path(sys.executable).with_name("cocity"))
    server = subprocess.Popen(
        [cocity, "serve", "--port", str(port), "--workers", "2", "--threads", "4"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/open311/v2"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/services.json", timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        form = {
            "api_key": api_key,
            "service_code": "pothole",
            "lat": "40.955",
            "long": "-5.695",
            "description": "A deep hole",
        }
        answers: dict[str, list[tuple[int, Any]]] = {}
        for round_ in range(ROUNDS):
            key = f"retry-{round_}"
            start = threading.Barrier(CONCURRENT)
            got: list[tuple[int, Any]] = []

            def send(
                key: str = key, start: threading.Barrier = start, got: list[Any] = got
            ) -> None:
                start.wait()
                got.append(_post(f"{base}/requests.json", form, key))

            threads = [threading.Thread(target=send) for _ in range(CONCURRENT)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            answers[key] = got
    finally:
        server.terminate()
        server.wait(timeout=30)
    ids = set()
    for key, got in answers.items():
        assert len(got) == CONCURRENT
        assert all(status == 200 for status, _ in got), got
        same = {body[0]["service_request_id"] for _, body in got}
        assert len(same) == 1, (key, same)  # every answer names the one report
        ids |= same
    assert len(ids) == ROUNDS
    reports, keys = map(int, _python(COUNT, env).split())
    assert (reports, keys) == (ROUNDS, ROUNDS)
    verified = subprocess.run(
        [cocity, "audit", "verify"], env=env, capture_output=True, text=True, timeout=120
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
