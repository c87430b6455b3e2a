"""The needs loop in a phone-sized browser: a resident reports, is shown a nearby duplicate and
files anyway; an official answers in public; the resident sees the answer."""

from __future__ import annotations

from typing import Any

import pytest

from cocity.needs.models import Report, Status

PASSWORD = "pw-12345-long"

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(base + "/")


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()


def test_report_duplicate_check_triage_and_public_answer(
    live_server: Any, city: dict[str, Any], page: Any, shot: Any
) -> None:
    from cocity.needs import services

    roads = city["departments"]["roads"]
    pothole = services.category_create(code="pothole", name="Pothole", department=roads)
    services.report_submit(
        category=pothole, description="Hole by the bakery", lat=40.9652, lon=-5.6951
    )
    base = live_server.url
    resident, official = city["users"]["resident"], city["users"]["official"]

    sign_in(page, base, resident.email)
    page.goto(base + "/needs/report/")
    page.get_by_label("What is the problem about?").select_option(label="Pothole")
    page.get_by_label("Latitude").fill("40.965")
    page.get_by_label("Longitude").fill("-5.695")
    page.get_by_label("Describe the problem").fill("Deep hole in front of number 12")
    shot(page, "needs-1-report-form")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Is it one of these?").wait_for()
    assert "Hole by the bakery" in page.content()
    shot(page, "needs-2-nearby-duplicates")
    page.get_by_role("button", name="No, file my report").click()
    page.get_by_role("heading", name="Thank you: your report is filed").wait_for()
    shot(page, "needs-3-confirmation")
    report = Report.objects.get(description="Deep hole in front of number 12")
    assert page.get_by_role("link", name=f"/needs/track/{report.tracking_token}/").count() == 1
    sign_out(page)

    sign_in(page, base, official.email)
    page.goto(base + "/needs/triage/")
    page.get_by_role("link", name=f"#{report.pk} Pothole").click()
    page.get_by_label("New status").select_option("fixed")
    page.get_by_label("Public note").fill("Filled this morning. Thank you!")
    shot(page, "needs-4-triage")
    page.get_by_role("button", name="Change status and publish the note").click()
    page.get_by_text("Status changed and the update published.").wait_for()
    sign_out(page)

    report.refresh_from_db()
    assert report.status == Status.FIXED
    sign_in(page, base, resident.email)
    page.goto(base + f"/needs/{report.pk}/")
    assert page.get_by_text("Filled this morning. Thank you!").count() == 1
    assert "Status changed to Fixed" in page.content()
    shot(page, "needs-5-public-answer")
