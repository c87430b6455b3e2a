"""Background task of the equity app (django-tasks API)."""

from __future__ import annotations

from django_tasks import task

from cocity.equity.services import equity_refresh


@task()
def equity_refresh_task() -> dict[str, object]:
    """Recompute the equity snapshot and check the open processes' alerts."""
    snapshot = equity_refresh()
    return {"ok": True, "snapshot": snapshot.pk, "seconds": snapshot.seconds}


def equity_refresh_request(*, max_age_seconds: float | None = None) -> bool:
    """Queue a refresh unless one was queued within ``COCITY_EQUITY_REFRESH_SECONDS`` (a marker
    in the shared cache debounces page views on every server). Returns True if queued."""
    from django.conf import settings
    from django.core.cache import cache

    ttl = int(max_age_seconds or settings.COCITY_EQUITY_REFRESH_SECONDS)
    if not cache.add("equity:refresh-queued", 1, timeout=max(ttl, 1)):
        return False
    equity_refresh_task.enqueue()
    return True
