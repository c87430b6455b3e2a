"""Service-backed tests over real connections: Redis as the shared cache of several app
servers, PostgreSQL for the audit chain under concurrent writers."""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest
from django.db import connection

from cocity.core import services


@pytest.mark.service
def test_redis_cache_is_shared_between_processes(require_service: Any) -> None:
    require_service("redis")
    import redis
    from django.core.cache.backends.redis import RedisCache

    cache = RedisCache("redis://127.0.0.1:6379/15", {"KEY_PREFIX": "cocity-test"})
    cache.set("district-map", {"ok": True}, 30)
    # another client (another app server) sees the same value over the wire
    raw = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    assert any(b"district-map" in k for k in raw.keys("*cocity-test*"))
    assert cache.get("district-map") == {"ok": True}
    cache.delete("district-map")
    assert cache.get("district-map") is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_audit_chain_stays_linear_under_concurrent_writers() -> None:
    """Eight threads append at once; the advisory lock must keep one unbroken chain."""
    errors: list[BaseException] = []

    def write(n: int) -> None:
        from django.db import connections

        try:
            for i in range(10):
                services.department_create(code=f"d{n}-{i}", name=f"Dept {n}-{i}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    from cocity.core.models import AuditEntry

    assert AuditEntry.objects.count() == 80
    assert services.audit_verify() is None


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_pass_really_uses_postgres() -> None:
    assert os.environ.get("DATABASE_URL", "").startswith("postgres")
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert cursor.fetchone()[0]
