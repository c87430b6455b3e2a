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


@pytest.fixture
def demo_city(transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo city with 300 reports (the pages under test need some, not all 5,000)."""
    from django.core.management import call_command

    from cocity.needs import seeders

    monkeypatch.setattr(seeders, "REPORTS", 300)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture
def full_demo_city(transactional_db: None) -> None:
    """The demo city as `cocity seed-demo` builds it (about 5,000 reports)."""
    from django.core.management import call_command

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
