"""The short-lived cache of public pages for anonymous visitors (cocity/core/page_cache.py)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from cocity.core.models import Role
from cocity.needs import services

pytestmark = pytest.mark.django_db

TTL = 10


@pytest.fixture(autouse=True)
def _page_cache(settings: Any) -> Iterator[None]:
    settings.COCITY_PAGE_CACHE_SECONDS = TTL
    caches["pages"].clear()
    yield
    caches["pages"].clear()


@pytest.fixture
def category(city: dict[str, Any]) -> Any:
    return services.category_create(
        code="fallen-tree", name="Fallen tree", department=city["departments"]["parks"]
    )


def _report(category: Any, description: str) -> Any:
    return services.report_submit(
        category=category, lat=40.955, lon=-5.695, description=description
    )


def _signed_in(city: dict[str, Any], role: str = Role.RESIDENT) -> Client:
    client = Client()
    assert client.login(email=city["users"][role].email, password="pw-12345-long")
    return client


def _later(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Move the cache's clock forward (the memory cache reads time.time)."""
    now = time.time() + seconds
    monkeypatch.setattr("django.core.cache.backends.locmem.time.time", lambda: now)


def test_anonymous_visitors_share_a_page_until_it_expires(
    city: dict[str, Any], category: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _report(category, "A first branch on the path")
    first = Client().get("/needs/")
    assert "A first branch" in first.content.decode()
    assert not first.cookies  # nothing personal: no CSRF or session cookie

    _report(category, "A second branch on the path")
    # another anonymous visitor within the TTL gets the stored page
    assert "A second branch" not in Client().get("/needs/").content.decode()
    # a signed-in person sees the new report at once
    assert "A second branch" in _signed_in(city).get("/needs/").content.decode()
    # and everyone sees it once the stored page has expired
    _later(monkeypatch, TTL + 1)
    assert "A second branch" in Client().get("/needs/").content.decode()


def test_a_signed_in_person_never_gets_the_anonymous_page(city: dict[str, Any]) -> None:
    anonymous = Client().get("/")
    assert "Signed in as" not in anonymous.content.decode()
    page = _signed_in(city).get("/").content.decode()
    assert "Signed in as Resident" in page
    assert "Sign out" in page


def test_an_anonymous_visitor_never_gets_a_signed_in_page(city: dict[str, Any]) -> None:
    for role in (Role.RESIDENT, Role.ADMIN):
        assert "Signed in as" in _signed_in(city, role).get("/").content.decode()
    page = Client().get("/").content.decode()
    assert "Signed in as" not in page
    assert "Sign out" not in page


def test_the_cache_keeps_each_language_apart(city: dict[str, Any]) -> None:
    assert '<html lang="en">' in Client().get("/").content.decode()
    spanish = Client().get("/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="es">' in spanish
    assert "Distritos" in spanish
    assert '<html lang="en">' in Client().get("/").content.decode()


def test_the_language_switch_works_without_javascript_or_a_csrf_token(
    city: dict[str, Any],
) -> None:
    client = Client(enforce_csrf_checks=True)
    home = client.get("/").content.decode()
    assert "csrfmiddlewaretoken" not in home  # the page is the same for every visitor
    form = re.search(r'<form class="lang" method="post" action="([^"]+)"', home)
    assert form is not None
    res = client.post(form.group(1), {"language": "es", "next": "/needs/"})
    assert res.status_code == 302
    assert res["Location"] == "/needs/"
    assert '<html lang="es">' in client.get("/").content.decode()  # English copy is cached


def test_pages_with_a_form_token_or_a_message_are_not_shared(city: dict[str, Any]) -> None:
    # the report form carries a CSRF token bound to the visitor's cookie: never stored
    Client().get("/needs/report/")
    res = Client().get("/needs/report/")
    assert res.cookies.get("csrftoken")
    # a visitor with a message waiting gets it, not the stored page
    Client().get("/")
    client = _signed_in(city)
    client.post("/accounts/logout/")  # "You have signed out." waits for the next page
    assert "You have signed out" in client.get("/").content.decode()


def test_the_cache_can_be_turned_off(city: dict[str, Any], category: Any, settings: Any) -> None:
    settings.COCITY_PAGE_CACHE_SECONDS = 0
    Client().get("/needs/")
    _report(category, "A fresh branch on the path")
    assert "A fresh branch" in Client().get("/needs/").content.decode()


def test_while_one_visitor_renders_an_expired_page_the_others_get_the_stale_copy(
    city: dict[str, Any], category: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.test import RequestFactory

    from cocity.core.page_cache import _key

    Client().get("/needs/")
    _report(category, "A late branch on the path")
    _later(monkeypatch, TTL + 1)
    key = _key(RequestFactory().get("/needs/"))
    assert caches["pages"].add(f"{key}:render", 1)  # another request is rendering it
    assert "A late branch" not in Client().get("/needs/").content.decode()
    caches["pages"].delete(f"{key}:render")  # it has finished
    assert "A late branch" in Client().get("/needs/").content.decode()
