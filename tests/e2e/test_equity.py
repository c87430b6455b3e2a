"""An official sees the demo's equity alert during the running budget vote, opens it with its
outreach kit, then the district's equity page and the city overview with its map, in English
and Spanish, checked by axe-core. Screenshots. (Downloading the open-data catalogue and a
coarsened export belongs to the open-data pages, tested with them.)"""

from __future__ import annotations

from typing import Any

import pytest

from cocity.core.seeders import DEMO_PASSWORD
from cocity.equity.models import Alert

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.slow
def test_an_official_follows_the_alert_to_the_district(
    live_server: Any, demo_city: None, browser: Any, axe: Any, shot: Any
) -> None:
    alert = Alert.objects.get(cleared_at__isnull=True)
    assert alert.area.code == "d09"
    base = live_server.url
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(base + "/accounts/login/")
        page.get_by_label("Email").fill("official@demo.cocity.city")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.locator("form button[type=submit]").last.click()
        page.wait_for_url(base + "/")
        page.goto(base + "/notifications/")
        notice = page.get_by_role("link", name="Low participation from Las Canteras")
        assert notice.count() == 1
        shot(page, "equity-notification")
        notice.click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", name="Low participation in Las Canteras").is_visible()
        assert page.get_by_role("heading", name="Outreach kit").is_visible()
        assert "Falta tu voz: Las Canteras" in page.locator("div[lang=es]").first.inner_text()
        axe(page)
        shot(page, "equity-alert")
        page.get_by_role("link", name="Equity in Las Canteras").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", name="Equity in Las Canteras").is_visible()
        assert page.locator("tr.eq-low", has_text="Budget voters").count() == 1
        assert page.get_by_text("Fewer reports does not mean fewer problems.").first.is_visible()
        axe(page)
        shot(page, "equity-district")
        page.get_by_role("link", name="All districts").click()
        page.wait_for_load_state()
        assert page.locator("svg.eq-map a path").count() == 12
        assert page.locator(".eq-legend li").count() >= 3
        axe(page)
        shot(page, "equity-overview")
        page.select_option("#measure", "pb_money_per_low_income_resident")
        page.locator("form.inline-form button").click()
        page.wait_for_load_state()
        shot(page, "equity-overview-pb-money")
    finally:
        context.close()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="es-ES")
    page = context.new_page()
    try:
        page.goto(f"{base}/equity/districts/d09/")
        assert page.get_by_role("heading", name="Equidad en Las Canteras").is_visible()
        assert page.get_by_text("Menos avisos no significa menos problemas.").first.is_visible()
        axe(page)
        shot(page, "equity-district-es-phone")
        page.goto(f"{base}/equity/")
        assert page.get_by_role("heading", name="Equidad: a quién llega la ciudad").is_visible()
        axe(page)
        shot(page, "equity-overview-es-phone")
    finally:
        context.close()
