"""Saying where without guessing, in a browser: a resident of the demo city types an address,
picks it, files the report, and sees it on the report page's small map and on the city map
(drawn from the gazetteer's streets, no tile server). Phone and desktop, English and Spanish;
axe-core on every page."""

from __future__ import annotations

from typing import Any

import pytest
from tests.e2e.test_needs import t

from cocity.needs.models import Report

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.mark.parametrize(
    ("language", "size", "scripts"),
    # without scripts the same flow is tests/needs/test_places.py (axe-core needs scripts on)
    [("en", "phone", True), ("es", "desktop", True)],
)
def test_type_an_address_pick_it_and_see_it_on_the_maps(
    live_server: Any,
    demo_city: None,
    browser: Any,
    axe: Any,
    shot: Any,
    language: str,
    size: str,
    scripts: bool,
) -> None:
    def _(text: str) -> str:
        return t(language, text)

    name = f"places-{language}-{size}-{'js' if scripts else 'nojs'}"
    context = browser.new_context(
        viewport=SIZES[size],
        locale={"en": "en-GB", "es": "es-ES"}[language],
        java_script_enabled=scripts,
    )
    page = context.new_page()
    base = live_server.url
    try:
        page.goto(base + "/needs/report/")
        page.get_by_label(_("What is the problem about?")).select_option(index=1)
        page.get_by_label(_("Search an address or place")).fill("calle mayor 5")
        page.get_by_role("button", name=_("Search"), exact=True).click()
        choice = page.get_by_label("Calle Mayor 5, Casco Antiguo")
        choice.check()
        if scripts:  # the pick fills the coordinates and the address at once
            assert page.locator("#id_lat").input_value() != ""
            assert page.locator("#id_address").input_value() == "Calle Mayor 5, Casco Antiguo"
        axe(page)
        shot(page, name + "-1-picked")
        page.get_by_label(_("Describe the problem")).fill("The street light is out")
        page.get_by_role("button", name=_("Continue")).click()
        if page.locator("#id_photos_again").count():  # "Is it one of these?" — no: file it
            page.locator("form button[type=submit]").last.click()
        page.get_by_role("link", name=_("See the public page of your report")).click()
        report = Report.objects.get(description="The street light is out")
        assert report.address == "Calle Mayor 5, Casco Antiguo"
        assert report.area is not None
        assert report.area.name == "Casco Antiguo"
        # the report page names the place and draws it, without scripts too
        assert page.get_by_text("Calle Mayor 5, Casco Antiguo").first.is_visible()
        small_map = page.locator("figure.place-small-map svg")
        assert small_map.is_visible()
        assert small_map.locator("text", has_text="Calle Mayor").count() >= 1
        axe(page)
        shot(page, name + "-2-report")
        # the city map: with scripts, Leaflet draws the streets and district names (no tiles)
        page.goto(base + "/needs/map/")
        if scripts:
            page.locator("#report-map .district-label").first.wait_for()
            assert page.locator("#report-map .district-label", has_text="Casco Antiguo").count()
        axe(page)
        shot(page, name + "-3-map")
    finally:
        context.close()
