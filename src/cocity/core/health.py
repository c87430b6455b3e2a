"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Case, F, When
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache


def _database() -> dict[str, object]:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connections[DEFAULT_DB_ALIAS].vendor}


def _default_backend() -> object:
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

    return task_backends[DEFAULT_TASK_BACKEND_ALIAS]


def _max_age() -> int:
    return int(settings.HEALTH_TASK_MAX_AGE)


# --- the task queue: one check per backend ----------------------------------------------------


def _database_queue(backend: Any) -> dict[str, object]:
    """The database queue: tasks ready to run (not deferred into the future) and the oldest's age.

    A task's age counts from when it became runnable (``run_after`` if it was deferred, else when
    it was enqueued), so a task deferred on purpose is not "old" the moment it falls due.
    """
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = timezone.now()
    queued = DBTaskResult.objects.filter(status="READY", backend_name=backend.alias)
    ready = queued.ready()  # not deferred (stored as run_after = 9999-01-01) or already due
    oldest = (
        ready.annotate(
            due=Case(When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after"))
        )
        .order_by("due")
        .values_list("due", flat=True)
        .first()
    )
    age = max(0, int((now - oldest).total_seconds())) if oldest else 0
    max_age = _max_age()
    stale = age > max_age
    return {
        "ok": not stale,
        "waiting": ready.count(),
        "deferred": queued.count() - ready.count(),
        "oldest_age_seconds": age,
        "max_age_seconds": max_age,
        "stale": stale,
    }


def _in_process(backend: Any) -> dict[str, object]:
    """Backends without a queue of their own (the immediate backend runs tasks in the request)."""
    return {"ok": True}


def _backend_health(backend: Any) -> dict[str, object]:
    """Backends that report on their own queue (CeleryBackend: queue length, the next message's
    age, live workers; see ``CeleryBackend.health``)."""
    return dict(backend.health(max_age=_max_age()))


def _queue_check(backend: object) -> Callable[[Any], dict[str, object]]:
    from django_tasks_db import DatabaseBackend

    if isinstance(backend, DatabaseBackend):
        return _database_queue
    if callable(getattr(backend, "health", None)):
        return _backend_health
    return _in_process


def _task_queue() -> dict[str, object]:
    backend = _default_backend()
    return {"backend": type(backend).__name__, **_queue_check(backend)(backend)}


def _scheduler() -> dict[str, object]:
    """The periodic jobs (one query): a job whose first unclaimed slot began more than
    ``COCITY_HEALTH_TASK_MAX_AGE`` seconds ago is overdue, which fails the check (no scheduler is
    running); jobs whose last run failed are listed without failing it."""
    from cocity.core.selectors import scheduled_jobs

    states = scheduled_jobs(grace=_max_age())
    overdue = [s.job.name for s in states if s.overdue_since]
    failing = [s.job.name for s in states if s.row and s.row.failing]
    return {"ok": not overdue, "jobs": len(states), "overdue": overdue, "failing": failing}


def _checks() -> tuple[tuple[str, Callable[[], dict[str, object]]], ...]:
    checks = (("database", _database), ("tasks", _task_queue))
    # under COCITY_SCHEDULER=off cron runs the jobs: no row is kept current
    return (*checks, ("scheduler", _scheduler)) if settings.COCITY_SCHEDULER else checks


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, dict[str, object]] = {}
    for name, check in _checks():
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


class ProbeMiddleware:
    """Answers ``/healthz`` and ``/readyz`` before any other middleware runs.

    Load balancers and orchestrators probe each app server directly: over plain HTTP (so no
    redirect to HTTPS) and often by its address (``Host: 10.0.0.5:8000``, which is not one of
    ``ALLOWED_HOSTS``). The probes build no URL from the host, so skipping host validation is
    safe; sessions, language and request logging are not needed for them either.
    """

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        probe = PROBES.get(request.path_info)
        if probe is not None:
            return probe(request)
        return self.get_response(request)


PROBES: dict[str, Callable[[HttpRequest], JsonResponse]] = {"/healthz": healthz, "/readyz": readyz}
