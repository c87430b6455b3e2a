"""A person finds the open data in the browser, reads the privacy notes in English and Spanish,
and downloads the catalogue and the coarsened report export. Screenshots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cocity.core.seeders import seed_core
from cocity.core.seeding import SeedContext
from cocity.equity.opendata.services import release_publish
from cocity.needs.seeders import seed_needs

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_reports(transactional_db: None) -> None:
    ctx = SeedContext(log=lambda message: None)
    seed_core(ctx)
    seed_needs(ctx)
    release_publish(dataset="reports")
    release_publish(dataset="district-indicators")


def test_open_data_in_the_browser(
    live_server: Any, demo_reports: None, browser: Any, axe: Any, shot: Any
) -> None:
    context = browser.new_context(
        viewport={"width": 1200, "height": 900}, locale="en-GB", accept_downloads=True
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/open-data/")
        assert page.get_by_role("heading", name="Open data", exact=True).is_visible()
        assert page.get_by_role("heading", name="Privacy note").first.is_visible()
        axe(page)
        shot(page, "opendata-index-en")
        with page.expect_download() as info:
            page.locator("a[href$='catalog.jsonld']").click()
        catalog = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
        assert any(n.get("@type") == "dcat:Catalog" for n in catalog["@graph"])
        with page.expect_download() as info:
            page.locator("a[href$='/reports.csv']").first.click()
        text = Path(info.value.path()).read_text(encoding="utf-8")
        assert text.startswith("quarter,category,h3_cell,cell_lat,cell_lon,reports")
        assert len(text.splitlines()) > 5
        # the same page in Spanish, through the header's language form
        page.select_option("select[name=language]", "es")
        page.locator("form[action$='/i18n/setlang/'] button").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", name="Datos abiertos", exact=True).is_visible()
        assert page.get_by_role("heading", name="Nota de privacidad").first.is_visible()
        axe(page)
        shot(page, "opendata-index-es")
    finally:
        context.close()
