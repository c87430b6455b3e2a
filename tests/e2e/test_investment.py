"""Backing a community project in the browser: residents pledge money (one in English with
JavaScript, one in Spanish without it) and sign up for a volunteer slot; an official closes the
call; the split by the published rule shows on the call page, in English and Spanish.
Screenshots; axe-core on the campaign and call pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from tests.e2e.test_needs import PASSWORD, sign_in, t

from cocity.core import services as core
from cocity.investment import services
from cocity.investment.models import Pledge, Signup

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def call(city: dict[str, Any]) -> dict[str, Any]:
    official = city["users"]["official"]
    now = timezone.now()
    matching = services.call_create(
        actor=official,
        slug="fund",
        title="Neighbourhood matchfund",
        sponsor=city["organisation"],
        rule={"kind": "qf", "pot": 50_000, "cap": 30_000, "threshold": 20_000},
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=5),
    )
    campaigns = [
        services.campaign_create(
            actor=official,
            slug=slug,
            title=title,
            organisation=city["organisation"],
            call=matching,
            goal_minimum=minimum,
            goal_optimum=minimum * 2,
            deadline=matching.closes_at,
        )
        for slug, title, minimum in (
            ("benches", "Benches in the square", 3_000),
            ("kitchen", "Community kitchen", 500_000),
        )
    ]
    services.role_add(
        actor=official,
        campaign=campaigns[0],
        title="Painter",
        starts_at=now + timedelta(days=3),
        slots=5,
    )
    return {**city, "call": matching, "campaigns": campaigns}


def test_residents_pledge_money_and_time_and_see_the_match(
    live_server: Any, call: dict[str, Any], browser: Any, axe: Any, shot: Any
) -> None:
    base = live_server.url
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    sign_in(page, base, call["users"]["resident"].email)
    page.goto(base + "/invest/")
    page.get_by_role("link", name="Neighbourhood matchfund").click()
    page.get_by_role("link", name="Benches in the square").click()
    page.get_by_label("Amount (€)").fill("25")
    page.get_by_label("Show my public name in the ledger").check()
    page.get_by_role("button", name="Pledge", exact=True).click()
    assert "Thank you: your pledge is recorded." in page.content()
    page.get_by_role("button", name="Sign up as Painter").click()
    assert Signup.objects.count() == 1
    axe(page)
    shot(page, "invest-campaign")
    context.close()

    # without JavaScript, in Spanish
    ana = core.user_create(email="ana@example.org", password=PASSWORD, display_name="Ana")
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="es-ES", java_script_enabled=False
    )
    context.add_cookies([{"name": "django_language", "value": "es", "url": base}])
    page = context.new_page()
    sign_in(page, base, ana.email, language="es")
    page.goto(base + "/invest/campaigns/benches/")
    page.get_by_label(t("es", "Amount (€)")).fill("9")
    page.get_by_role("button", name=t("es", "Pledge"), exact=True).click()
    assert t("es", "Thank you: your pledge is recorded.") in page.content()
    page.goto(base + "/invest/campaigns/kitchen/")
    page.get_by_label(t("es", "Amount (€)")).fill("40")
    page.get_by_role("button", name=t("es", "Pledge"), exact=True).click()
    shot(page, "invest-campaign-es")
    assert Pledge.objects.count() == 3
    context.close()

    # the official closes the call; the split shows, with the rule and why
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    sign_in(page, base, call["users"]["official"].email)
    page.goto(base + "/invest/calls/fund/")
    page.get_by_role("button", name="Close the call and compute the match").click()
    assert "How the pot was split" in page.content()
    assert "Missed its minimum: not matched." in page.content()
    call["call"].refresh_from_db()
    matched = {p["id"]: p["match"] for p in call["call"].result["projects"]}
    assert matched["benches"] > 0
    assert matched["kitchen"] == 0
    axe(page)
    shot(page, "invest-call-split")
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-ES")
    context.add_cookies([{"name": "django_language", "value": "es", "url": base}])
    page = context.new_page()
    page.goto(base + "/invest/calls/fund/")
    assert t("es", "How the pot was split") in page.content()
    shot(page, "invest-call-split-es")
    context.close()
