"""A person follows the demo sensors in the browser: the map and list, a sensor whose spikes are
flagged with their reasons, and a district's daily averages, in English and Spanish, checked
by axe-core. Screenshots."""

from __future__ import annotations

from typing import Any

import pytest

from cocity.core.seeders import seed_core
from cocity.core.seeding import SeedContext
from cocity.sensing.models import Sensor
from cocity.sensing.seeders import seed_sensing

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_sensors(transactional_db: None) -> None:
    ctx = SeedContext(log=lambda message: None)
    seed_core(ctx)
    seed_sensing(ctx)


@pytest.mark.parametrize(
    ("locale", "flagged_title", "reason"),
    [
        ("en-GB", "Flagged readings and why", "spike: far from the readings around it"),
        ("es-ES", "Lecturas marcadas y por qué", "pico: muy lejos de las lecturas de alrededor"),
    ],
)
def test_sensor_pages_in_the_browser(
    live_server: Any,
    demo_sensors: None,
    browser: Any,
    axe: Any,
    shot: Any,
    locale: str,
    flagged_title: str,
    reason: str,
) -> None:
    spiky = Sensor.objects.filter(entity_type="AirQualityObserved").order_by("id")[3]
    # JavaScript on only for axe-core: the pages have none of their own (test_views reads them
    # as served)
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale=locale)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/sensors/")
        assert page.locator("svg circle.dot").count() == Sensor.objects.count()
        axe(page)
        shot(page, f"sensing-list-{locale}")
        page.get_by_role("link", name=str(spiky), exact=True).first.click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", name=flagged_title).is_visible()
        flagged = page.locator("tr.flagged")
        assert flagged.count() >= 1
        assert reason in flagged.first.inner_text()
        assert page.locator("svg.ts-chart circle.flagged").count() >= 1
        axe(page)
        shot(page, f"sensing-sensor-{locale}")
        page.select_option("#quantity", "no2")  # another quantity, through the form
        page.locator("form.inline-form button").click()
        page.wait_for_load_state()
        assert "quantity=no2" in page.url
        assert spiky.area is not None
        page.goto(f"{live_server.url}/sensors/districts/{spiky.area.code}/")
        assert page.locator("table").count() >= 3  # PM2.5, PM10, NO2
        axe(page)
        shot(page, f"sensing-district-{locale}")
    finally:
        context.close()
