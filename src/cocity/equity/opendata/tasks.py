"""Background task of open data (django-tasks API)."""

from __future__ import annotations

from django_tasks import task

from cocity.equity.opendata.services import release_publish_all


@task()
def opendata_publish_task() -> dict[str, object]:
    """Release every dataset whose content changed (run it daily, e.g. from cron with
    ``cocity opendata-publish``)."""
    return {"released": [f"{r.dataset} v{r.version}" for r in release_publish_all()]}
