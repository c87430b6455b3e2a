from __future__ import annotations

from datetime import timedelta
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
    assert body["checks"]["tasks"]["backend"] == "DatabaseBackend"
    assert body["checks"]["tasks"]["waiting"] == 0


def test_healthz_fails_when_tasks_wait_too_long(client: Client) -> None:
    from django_tasks_db.models import DBTaskResult

    ping.enqueue()
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(hours=1))
    res = client.get("/healthz")
    assert res.status_code == 503
    assert res.json()["checks"]["tasks"]["stale"] is True


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
