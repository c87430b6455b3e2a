"""Shared fixtures. Service-backed tests use ``require_service``: on a bare machine a missing
service skips the test with the reason; under CI=true it fails instead (nothing may be skipped)."""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

IN_CI = os.environ.get("CI") == "true"

SERVICES = {
    "postgres": ("127.0.0.1", 5432),
    "redis": ("127.0.0.1", 6379),
    "mqtt": ("127.0.0.1", 1883),
}


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist the workers share COCITY_VAR_DIR: each keeps its uploads (and the
    photos staged between a form's steps, which a cleanup task deletes) in a folder of its own,
    as it has a database of its own."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and config.pluginmanager.has_plugin("django"):
        from django.conf import settings

        settings.MEDIA_ROOT = Path(settings.MEDIA_ROOT) / f"xdist-{worker}"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files of browser tests or of tests marked slow first. pytest-xdist hands tests out in
    this order as workers come free: with the long ones first, a run does not end with one
    worker still busy on a long test while the others wait. This runs before pytest-django's
    own (stable) sort, which then still puts database tests before transactional ones before
    the rest, as Django does."""
    long = {
        item.path
        for item in items
        if "e2e" in item.path.parts or item.get_closest_marker("slow") is not None
    }
    items.sort(key=lambda item: item.path not in long)


@pytest.fixture
def require_service() -> Callable[[str], None]:
    def check(name: str) -> None:
        host, port = SERVICES[name]
        if not _reachable(host, port):
            message = f"{name} is not answering on {host}:{port}"
            if IN_CI:
                pytest.fail(f"{message} (CI=true: service-backed tests must run)")
            pytest.skip(message)

    return check


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    """Under CI, a skipped service-backed or browser test is a failure, whatever skipped it."""
    outcome: Any = yield
    report = outcome.get_result()
    if (
        IN_CI
        and report.skipped
        and (item.get_closest_marker("service") or item.get_closest_marker("e2e"))
    ):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which is not allowed: {report.longrepr}"


@pytest.fixture(autouse=True)
def _signal_handlers_restored() -> Iterator[None]:
    """A test that runs `cocity worker` in this process leaves the worker's SIGTERM, SIGINT and
    SIGQUIT handlers behind; put pytest's back, so a later signal stops the run instead of turning
    into a SystemExit inside whatever test is running then."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        if signal.getsignal(sig) is not handler:
            signal.signal(sig, handler)


@pytest.fixture(autouse=True)
def _fast_passwords(request: pytest.FixtureRequest) -> None:
    """Cheap password hashing in tests (pure tests run without the Django plugin too)."""
    if "settings" in request.fixturenames or request.config.pluginmanager.has_plugin("django"):
        settings = request.getfixturevalue("settings")
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_page_cache(request: pytest.FixtureRequest) -> None:
    """Pages are rendered fresh in tests (a test that changes data and reads a page again must
    see the change); tests of the anonymous page cache turn it on (tests/core/test_page_cache.py).
    """
    if request.config.pluginmanager.has_plugin("django"):
        request.getfixturevalue("settings").COCITY_PAGE_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _default_language(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts in the default language: a request in Spanish leaves Spanish active in
    the thread (LocaleMiddleware activates, nothing restores), which later tests must not see."""
    yield
    if request.config.pluginmanager.has_plugin("django"):
        from django.utils import translation

        translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache(request: pytest.FixtureRequest) -> None:
    """Each database test starts with an empty default cache. It is a table of the test
    database; a transactional test's flush does not empty it (no model owns it), and rate-limit
    counters left by one test would refuse requests in the next."""
    names = request.fixturenames
    if "transactional_db" in names:
        request.getfixturevalue("transactional_db")
    elif "db" in names:
        request.getfixturevalue("db")
    elif not request.node.get_closest_marker("django_db"):
        return
    from django.core.cache import cache

    cache.clear()


def square(lon0: float, lat0: float, size: float = 0.01) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [lon0, lat0],
                [lon0 + size, lat0],
                [lon0 + size, lat0 + size],
                [lon0, lat0 + size],
                [lon0, lat0],
            ]
        ],
    }


@pytest.fixture
def city(db: None) -> dict[str, Any]:
    """A small city built through the services: 4 districts (2 × 2 squares of 0.01°),
    two departments, one organisation and one account per role (password 'pw-12345-long')."""
    from cocity.core import services
    from cocity.core.models import Role

    areas = {}
    for i, (code, name, pop) in enumerate(
        [
            ("n1", "North One", 1000),
            ("n2", "North Two", 2000),
            ("s1", "South One", 3000),
            ("s2", "South Two", 4000),
        ]
    ):
        lon0 = -5.70 + (i % 2) * 0.01
        lat0 = 40.96 - (i // 2) * 0.01
        areas[code] = services.area_upsert(
            code=code,
            name=name,
            boundary=square(lon0, lat0),
            population=pop,
            demographics={
                "age_bands": {"0-14": 0.2, "15-64": 0.6, "65+": 0.2},
                "income_quintiles": [0.2] * 5,
            },
        )
    roads = services.department_create(code="roads", name="Roads")
    parks = services.department_create(code="parks", name="Parks")
    org = services.organisation_create(slug="neighbours", name="Neighbours", area=areas["n1"])
    users = {}
    for role in Role.values:
        users[role] = services.user_create(
            email=f"{role}@example.org",
            password="pw-12345-long",
            role=role,
            display_name=role.title(),
            departments=[roads] if role == Role.OFFICIAL else None,
            organisations=[org] if role == Role.ORGANISATION_MEMBER else None,
        )
    return {
        "areas": areas,
        "departments": {"roads": roads, "parks": parks},
        "organisation": org,
        "users": users,
    }
