"""Browser tests: Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make around
# it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("COCITY_CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SCREENSHOTS = Path(os.environ.get("COCITY_TEST_OUTPUT", "test-output")) / "screenshots"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium not installed at {CHROMIUM}; browser tests must run under CI")
        pytest.skip(
            f"Chromium not installed at {CHROMIUM} (scripts/test installs Debian's chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    """A page in a desktop-sized window (``page`` is phone-sized)."""
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def axe() -> Callable[..., list[dict[str, Any]]]:
    """``axe(page)`` runs axe-core on the page as it is and fails the test on any serious or
    critical violation, naming each with the elements it found; returns the minor ones."""
    from axe_playwright_python.sync_playwright import Axe

    engine = Axe()

    def check(page: Any) -> list[dict[str, Any]]:
        violations = engine.run(page).response["violations"]
        bad = [v for v in violations if v.get("impact") in ("serious", "critical")]
        if bad:
            lines = [f"axe-core on {page.url}:"]
            for v in bad:
                lines.append(f"- {v['impact']}: {v['id']}: {v['help']}")
                lines.extend(f"    {node['html'][:160]}" for node in v["nodes"][:5])
            pytest.fail("\n".join(lines))
        return [v for v in violations if v not in bad]

    return check


@pytest.fixture
def shot() -> Any:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


# The demo city each browser test starts from, as this worker process last seeded it, and when.
_DEMO_SNAPSHOT: dict[str, Any] = {}
# Seeding reads the clock (sensor readings end at the current hour, a ballot closes in so many
# days): a snapshot older than this is seeded afresh rather than restored.
DEMO_SNAPSHOT_MAX_AGE = 15 * 60


def _take_snapshot() -> Any:
    """Every row of every table of the test database, as it is now."""
    import sqlite3

    from django.db import connection

    connection.ensure_connection()
    if connection.vendor == "sqlite":
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(copy)
        return copy
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    data = {}
    with connection.cursor() as cursor:
        for table in tables:
            name = connection.ops.quote_name(table)
            with cursor.copy(f"COPY {name} TO STDOUT (FORMAT BINARY)") as copy:
                data[table] = b"".join(bytes(chunk) for chunk in copy)
    return data


def _restore_snapshot(snapshot: Any) -> None:
    """Put the test database back as ``_take_snapshot`` found it. (After a transactional test,
    the flush empties every table and post_migrate puts content types and permissions back.)"""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.color import no_style
    from django.db import connection, transaction

    connection.ensure_connection()
    # the content types get their snapshot ids back: none may be remembered under another
    ContentType.objects.clear_cache()
    if connection.vendor == "sqlite":
        # the whole database image, sqlite_sequence included: new rows get the ids they would get
        snapshot.backup(connection.connection)
        return
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in connection.ops.sql_flush(no_style(), list(snapshot)):
            cursor.execute(sql)
        for table, rows in snapshot.items():
            name = connection.ops.quote_name(table)
            with cursor.copy(f"COPY {name} FROM STDIN (FORMAT BINARY)") as copy:
                copy.write(rows)
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cursor.execute(sql)


@pytest.fixture
def demo_city(transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo city with 300 reports (the pages under test need some, not all 5,000).

    Seeding it takes many seconds and a dozen browser tests start from it: the first test on
    each worker seeds it through ``seed_demo`` and keeps a copy of the database's rows; the
    next ones (the database is flushed after each test) get those rows back instead of
    seeding again. The seeders themselves are tested fresh in each app's test_seeders.py.
    """
    import time

    from django.core.management import call_command

    from cocity.needs import seeders

    monkeypatch.setattr(seeders, "REPORTS", 300)
    taken = _DEMO_SNAPSHOT.get("at")
    if taken is not None and time.monotonic() - taken < DEMO_SNAPSHOT_MAX_AGE:
        _restore_snapshot(_DEMO_SNAPSHOT["rows"])
        return
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    _DEMO_SNAPSHOT.update(rows=_take_snapshot(), at=time.monotonic())


@pytest.fixture
def full_demo_city(transactional_db: None) -> None:
    """The demo city as `cocity seed-demo` builds it (about 5,000 reports)."""
    from django.core.management import call_command

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
