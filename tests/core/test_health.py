from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cocity.core.tasks import ping

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_queue(client: Client) -> None:
    res = client.get("/healthz")
    assert res.status_code == 200
    body = res.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    tasks = body["checks"]["tasks"]
    assert tasks["backend"] == "DatabaseBackend"
    assert (tasks["waiting"], tasks["deferred"], tasks["oldest_age_seconds"]) == (0, 0, 0)
    assert tasks["max_age_seconds"] == 300


def _age(minutes: float, run_after_minutes: float | None = None) -> None:
    """Make every queued task look enqueued `minutes` ago (and due `run_after_minutes` from now)."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = timezone.now()
    run_after = (
        get_date_max()  # how the queue stores "not deferred"
        if run_after_minutes is None
        else now + timedelta(minutes=run_after_minutes)
    )
    DBTaskResult.objects.update(enqueued_at=now - timedelta(minutes=minutes), run_after=run_after)


def test_healthz_reports_the_age_of_the_oldest_waiting_task(client: Client) -> None:
    ping.enqueue()
    _age(2)
    ping.enqueue()
    res = client.get("/healthz")
    assert res.status_code == 200
    tasks = res.json()["checks"]["tasks"]
    assert tasks["waiting"] == 2
    assert 119 <= tasks["oldest_age_seconds"] <= 125
    assert tasks["stale"] is False


def test_healthz_fails_when_tasks_wait_too_long(client: Client) -> None:
    ping.enqueue()
    _age(60)
    res = client.get("/healthz")
    assert res.status_code == 503
    body = res.json()
    assert body["status"] == "fail"
    assert body["checks"]["tasks"]["stale"] is True
    assert body["checks"]["tasks"]["oldest_age_seconds"] >= 3600


def test_healthz_threshold_comes_from_settings(client: Client, settings: Any) -> None:
    settings.HEALTH_TASK_MAX_AGE = 30
    ping.enqueue()
    _age(1)
    res = client.get("/healthz")
    assert res.status_code == 503
    assert res.json()["checks"]["tasks"]["max_age_seconds"] == 30


def test_healthz_ignores_tasks_deferred_into_the_future(client: Client) -> None:
    ping.enqueue()
    _age(60, run_after_minutes=5)  # enqueued an hour ago, on purpose not before 5 minutes from now
    res = client.get("/healthz")
    assert res.status_code == 200
    tasks = res.json()["checks"]["tasks"]
    assert (tasks["waiting"], tasks["deferred"], tasks["oldest_age_seconds"]) == (0, 1, 0)


def test_healthz_counts_a_deferred_task_from_when_it_fell_due(client: Client) -> None:
    ping.enqueue()
    _age(60, run_after_minutes=-1)  # enqueued an hour ago, due a minute ago: one minute old
    res = client.get("/healthz")
    assert res.status_code == 200
    tasks = res.json()["checks"]["tasks"]
    assert tasks["waiting"] == 1
    assert 59 <= tasks["oldest_age_seconds"] <= 65
    _age(60, run_after_minutes=-10)
    assert client.get("/healthz").status_code == 503


def test_healthz_ignores_finished_tasks(client: Client) -> None:
    from django_tasks_db.models import DBTaskResult

    ping.enqueue()
    _age(60)
    DBTaskResult.objects.update(status="SUCCESSFUL")
    assert client.get("/healthz").status_code == 200


def test_healthz_fails_when_the_database_fails(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cocity.core import health

    def broken() -> Any:
        raise RuntimeError("db down")

    monkeypatch.setattr(health, "_database", broken)
    res = client.get("/healthz")
    assert res.status_code == 503
    assert res.json()["checks"]["database"] == {"ok": False, "error": "RuntimeError"}


def test_readyz_ok_when_migrated(client: Client) -> None:
    assert client.get("/readyz").json() == {"status": "ok"}


def test_readyz_fails_with_pending_migrations(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: ["x"])
    res = client.get("/readyz")
    assert res.status_code == 503
    assert res.json()["pending_migrations"] == 1


def test_healthz_with_another_backend(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from django_tasks.backends.immediate import ImmediateBackend

    from cocity.core import health

    backend = ImmediateBackend(alias="default", params={})
    monkeypatch.setattr(health, "_default_backend", lambda: backend)
    res = client.get("/healthz")
    assert res.json()["checks"]["tasks"] == {"backend": "ImmediateBackend", "ok": True}


PROBE = """
import django, json
django.setup()
from django.test import Client
out = {}
for host in ("participa.example.org", "10.0.0.5:8000"):
    client = Client(HTTP_HOST=host, raise_request_exception=False)
    for path in ("/healthz", "/readyz", "/"):
        res = client.get(path)
        out[host + path] = [res.status_code, res.get("Location"), res.get("Content-Type")]
print(json.dumps(out))
"""


def test_health_answers_over_plain_http_in_production(tmp_path: Path) -> None:
    """Under production settings a load balancer's plain-HTTP probe gets the health answer, not
    the redirect to HTTPS that every other page gets, even when it names the server by address."""
    env = {
        **os.environ,
        "COCITY_ENV": "production",
        "SECRET_KEY": "health-probe-" + "k3" * 30,
        "ALLOWED_HOSTS": "participa.example.org",
        "COCITY_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "cocity.settings",
    }
    for name in ("DATABASE_URL", "COCITY_SSL_REDIRECT"):
        env.pop(name, None)
    run = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["participa.example.org/"][:2] == [301, "https://participa.example.org/"]
    assert out["10.0.0.5:8000/"][0] >= 400  # pages still refuse an unknown host
    for host in ("participa.example.org", "10.0.0.5:8000"):
        for path in ("/healthz", "/readyz"):
            status, location, content_type = out[host + path]
            assert location is None, host + path
            assert content_type == "application/json", host + path
            assert status in (200, 503), host + path  # fresh database, no tables: readyz says so
