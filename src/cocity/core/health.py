"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from datetime import timedelta

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

STALE_AFTER = timedelta(minutes=15)


def _database() -> dict[str, object]:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connections[DEFAULT_DB_ALIAS].vendor}


def _default_backend() -> object:
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

    return task_backends[DEFAULT_TASK_BACKEND_ALIAS]


def _task_queue() -> dict[str, object]:
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = _default_backend()
    info: dict[str, object] = {"backend": type(backend).__name__}
    if not isinstance(backend, DatabaseBackend):
        return {**info, "ok": True}
    waiting = DBTaskResult.objects.filter(status="READY")
    oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    stale = bool(oldest and timezone.now() - oldest > STALE_AFTER)
    return {**info, "ok": not stale, "waiting": waiting.count(), "stale": stale}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, dict[str, object]] = {}
    for name, check in (("database", _database), ("tasks", _task_queue)):
        try:
            checks[name] = check()
        except Exception as exc:  # any failure makes the instance unhealthy
            checks[name] = {"ok": False, "error": type(exc).__name__}
    ok = all(c.get("ok") for c in checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503
    )


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    try:
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return JsonResponse({"status": "fail", "error": type(exc).__name__}, status=503)
    if pending:
        return JsonResponse({"status": "fail", "pending_migrations": len(pending)}, status=503)
    return JsonResponse({"status": "ok"})
