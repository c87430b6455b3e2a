"""Background tasks of co-creation (django-tasks API)."""

from __future__ import annotations

from datetime import date

from django_tasks import task

from cocity.cocreation import services


@task()
def measurements_fill_task(day: str | None = None) -> int:
    """Record today's (or ``day``'s, ISO date) value of every computed indicator of initiatives
    in pilot or evaluation: report counts and sensor aggregates. Queue it daily (cron) or from
    an initiative's page. Returns how many values were recorded."""
    return services.measurements_fill(day=date.fromisoformat(day) if day else None)
