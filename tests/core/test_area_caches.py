"""Point 5 of issue 19: the home page's district map and the needs maps' outlines follow an area
edit at once, on every app server sharing the cache (the caches are keyed on the areas'
revision token, which ``services.area_upsert`` renews)."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from django.test import Client
from tests.conftest import square

from cocity.core import services

pytestmark = pytest.mark.django_db


def _outlines(html: str) -> dict[str, Any]:
    found = re.search(
        r'<script id="report-map-config" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, "the map configuration is on the page"
    return json.loads(found.group(1))["districts"]


def _rename_and_move(city: dict[str, Any]) -> None:
    area = city["areas"]["n1"]
    services.area_upsert(
        code=area.code,
        name="Riverside",
        boundary=square(-5.80, 41.00, size=0.02),
        population=area.population,
        demographics=area.demographics,
    )


def _check_edits_show_at_once(city: dict[str, Any]) -> None:
    client = Client()
    home = client.get("/").content.decode()
    assert 'aria-label="North One"' in home
    outlines = _outlines(client.get("/needs/map/").content.decode())
    assert "North One" in [f["properties"]["name"] for f in outlines["features"]]

    _rename_and_move(city)

    home = client.get("/").content.decode()
    assert 'aria-label="Riverside"' in home
    assert 'aria-label="North One"' not in home
    outlines = _outlines(client.get("/needs/map/").content.decode())
    renamed = [f for f in outlines["features"] if f["properties"]["code"] == "n1"]
    assert renamed[0]["properties"]["name"] == "Riverside"
    assert renamed[0]["geometry"] == square(-5.80, 41.00, size=0.02)


def test_an_area_edit_shows_on_the_next_page(city: dict[str, Any]) -> None:
    _check_edits_show_at_once(city)


@pytest.mark.service
def test_an_area_edit_shows_through_a_shared_redis_cache(
    city: dict[str, Any], require_service: Any, settings: Any
) -> None:
    """Two app servers share Redis: what one cached before the edit is not served after it."""
    require_service("redis")
    prefix = f"ops2-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/14",
            "KEY_PREFIX": prefix,
        }
    }
    import redis

    raw = redis.Redis.from_url("redis://127.0.0.1:6379/14")
    try:
        _check_edits_show_at_once(city)
        # both drawings, before and after the edit, went to Redis under distinct keys
        keys = {k.decode() for k in raw.scan_iter(match=f"{prefix}:*")}
        assert len([k for k in keys if "core:district-map:" in k]) == 2
        assert len([k for k in keys if "needs:district-outlines:" in k]) == 2
    finally:
        # this test's keys only (no FLUSHDB: other tests share the database)
        for key in raw.scan_iter(match=f"{prefix}:*"):
            raw.delete(key)
