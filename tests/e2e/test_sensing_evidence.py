"""An official in the browser: the demo's sensor evidence (PM2.5 above the WHO guideline in some
districts) confirmed into a need, and a steward's upload whose wrong line is shown and stores
nothing, checked by axe-core. Screenshots."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cocity.core import services as core_services
from cocity.core.models import Department, Role
from cocity.core.seeders import seed_core
from cocity.core.seeding import SeedContext
from cocity.needs import services as needs_services
from cocity.needs.models import Report
from cocity.sensing.models import EvidenceSuggestion, Reading, SuggestionStatus
from cocity.sensing.seeders import seed_sensing, seed_sensing_evidence

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_evidence_and_upload_in_the_browser(
    live_server: Any, transactional_db: None, browser: Any, axe: Any, shot: Any, tmp_path: Any
) -> None:
    ctx = SeedContext(log=lambda message: None)
    seed_core(ctx)
    seed_sensing(ctx)
    seed_sensing_evidence(ctx)
    waiting = EvidenceSuggestion.objects.filter(status=SuggestionStatus.OPEN).count()
    assert waiting >= 1  # the demo's dirtiest districts break the WHO guideline
    department = Department.objects.order_by("code").first()
    assert department is not None
    needs_services.category_create(code="air", name="Air pollution", department=department)
    official = core_services.user_create(
        email="steward@example.org",
        password="pw-12345-long",
        role=Role.OFFICIAL,
        display_name="Steward",
        departments=[department],
    )
    client = Client()
    client.force_login(official)
    base = live_server.url
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )
    page = context.new_page()
    try:
        page.goto(f"{base}/sensors/evidence/")
        assert page.get_by_role("heading", name="Waiting for a decision").is_visible()
        axe(page)
        shot(page, "sensing-evidence")
        first = page.locator("section.card").first
        first.get_by_label("Category of the need").select_option(label="Air pollution")
        first.get_by_role("button", name="Confirm as a new need").click()
        page.wait_for_load_state()
        report = Report.objects.get()
        assert f"report #{report.pk}" in page.content()
        assert "Sensor evidence: PM2.5" in report.description
        assert page.locator("section.card").count() == waiting - 1

        bad = tmp_path / "readings.csv"
        device = Reading.objects.values_list("sensor__device_id", flat=True).first()
        bad.write_text(
            "device,quantity,observed_at,value\n"
            f"{device},pm25,2030-01-01T10:00:00Z,12\n"
            f"{device},pm25,2030-01-01T11:00:00Z,lots\n"
        )
        count = Reading.objects.count()
        page.goto(f"{base}/sensors/upload/")
        page.get_by_label("Readings file (CSV or JSON)").set_input_files(str(bad))
        page.get_by_role("button", name="Check and store").click()
        page.wait_for_load_state()
        assert "line 3" in page.get_by_role("region", name="Problems, by line").inner_text()
        assert Reading.objects.count() == count
        axe(page)
        shot(page, "sensing-upload")
    finally:
        context.close()
