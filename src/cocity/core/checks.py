"""Start-up and deployment checks of the settings the code relies on (Django's system check
framework; the deployment ones run with ``cocity check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.checks import CheckMessage, Tags, Warning, register

READ_COMMITTED = 1  # psycopg.IsolationLevel.READ_COMMITTED


@checks.register()
def audit_append_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The audit log's append (``core.services.audit_record``) runs on PostgreSQL as two
    statements: an advisory lock, then an INSERT that reads the last entry. That INSERT sees the
    entry committed just before only under READ COMMITTED (each statement takes a new snapshot);
    under REPEATABLE READ or SERIALIZABLE the chain could fork or appends fail. The SQL is
    written for psycopg's client-side binding (the default)."""
    errors: list[checks.CheckMessage] = []
    for alias, db in settings.DATABASES.items():
        if db.get("ENGINE") != "django.db.backends.postgresql":
            continue
        options = db.get("OPTIONS") or {}
        if options.get("server_side_binding"):
            errors.append(
                checks.Error(
                    f"DATABASES[{alias!r}] sets OPTIONS['server_side_binding']: the audit log's "
                    "append is written for client-side binding.",
                    hint="Remove the server_side_binding option.",
                    id="cocity.E001",
                )
            )
        level = options.get("isolation_level")
        if level is not None and int(level) != READ_COMMITTED:
            errors.append(
                checks.Error(
                    f"DATABASES[{alias!r}] sets OPTIONS['isolation_level'] to {level!r}: the "
                    "audit log's append needs READ COMMITTED, or its chain can fork.",
                    hint="Remove the isolation_level option or set it to READ COMMITTED.",
                    id="cocity.E002",
                )
            )
    return errors


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


@register()
def check_base_url(**kwargs: Any) -> list[CheckMessage]:
    """E-mails carry links on ``COCITY_BASE_URL``: unset in production, they would be relative
    links no mail client can follow."""
    if settings.PRODUCTION and not settings.COCITY_BASE_URL:
        return [
            Warning(
                "COCITY_BASE_URL is not set: the links in notification e-mails will not work.",
                hint="Set COCITY_BASE_URL to the site's address, e.g. https://participa.example.org.",
                id="cocity.W010",
            )
        ]
    return []
