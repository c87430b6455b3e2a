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


@task()
def scheduled_job_task(name: str) -> dict[str, object]:
    """Run one periodic job the scheduler queued (``services.schedule_tick``); its outcome is
    recorded on the job's row, so a failure is returned, not raised (never retried here: the
    next slot runs it again)."""
    try:
        row = services.scheduled_job_run(name=name)
    except KeyError:  # the job was removed (or renamed) after it was queued
        return {"ok": False, "error": f"no periodic job {name}"}
    return {"ok": not row.failing, "result": row.last_result}
