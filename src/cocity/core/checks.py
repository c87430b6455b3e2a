"""System checks of the deployment (``cocity check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.caches, deploy=True)
def check_broker_not_in_cache_database(**kwargs: Any) -> list[CheckMessage]:
    """The Celery broker must not share the cache's Redis database: clearing the cache
    (FLUSHDB) would delete every queued task."""
    backend = str(settings.TASKS.get("default", {}).get("BACKEND", ""))
    cache = settings.CACHES.get("default", {})
    if not backend.endswith("CeleryBackend") or "redis" not in str(cache.get("BACKEND", "")):
        return []
    locations = cache.get("LOCATION") or []
    if isinstance(locations, str):
        locations = locations.split(",")
    if settings.COCITY_CELERY_BROKER.rstrip("/") not in {str(u).rstrip("/") for u in locations}:
        return []
    return [
        Warning(
            "The Celery broker and the cache use the same Redis database: clearing the cache "
            "would delete every queued task.",
            hint="Set COCITY_CELERY_BROKER to another database or instance, e.g. "
            "redis://redis:6379/1 (see docs/operations.md).",
            id="cocity.W001",
        )
    ]
