"""Background tasks of the core app (django-tasks API)."""

from __future__ import annotations

from django_tasks import task

from cocity.core import services


@task()
def audit_verify_task() -> dict[str, object]:
    """Verify the audit chain in the background (e.g. nightly) and return what was found."""
    broken = services.audit_verify()
    if broken is None:
        return {"ok": True}
    return {"ok": False, "entry": broken.entry_id, "reason": broken.reason}


@task()
def ping() -> str:
    """A no-op used by health checks and tests to prove the queue runs."""
    return "pong"
