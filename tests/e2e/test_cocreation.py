"""Co-creation in a phone-sized browser, in English and in Spanish: an organisation member frames
a challenge from five reports, a resident proposes an idea and invites a co-author, the co-author
edits it, an official takes it to pilot with two indicators and a measurement, and the public
timeline shows every step. axe-core on every page; screenshots."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone
from tests.e2e.test_needs import sign_in, sign_out, t

from cocity.cocreation.models import Challenge, Initiative, Proposal, Stage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["en", "es"])
def test_from_reports_to_a_measured_pilot(
    live_server: Any, city: dict[str, Any], browser: Any, axe: Any, shot: Any, language: str
) -> None:
    from cocity.needs import services as needs_services

    def _(text: str, **params: Any) -> str:
        return t(language, text, **params)

    def label(text: str) -> re.Pattern[str]:
        """A form field's label exactly (Django's forms add a colon)."""
        return re.compile("^" + re.escape(_(text)) + ":?$")

    if language == "es":  # the pages below must really be in Spanish
        assert _("Frame a challenge") != "Frame a challenge"
    lights = needs_services.category_create(
        code="streetlight",
        name="Street light out",
        names={"es": "Farola apagada"},
        department=city["departments"]["roads"],
    )
    reports = [
        needs_services.report_submit(
            category=lights, description=f"Lamp {i} out", lat=40.965, lon=-5.695
        )
        for i in range(5)
    ]
    users = city["users"]
    today = timezone.localdate().isoformat()
    base = live_server.url
    suffix = "" if language == "en" else "-es"
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale={"en": "en-GB", "es": "es-ES"}[language]
    )
    page = context.new_page()

    # an organisation member frames the challenge from the five reports
    sign_in(page, base, users["organisation_member"].email, language)
    numbers = ",".join(str(r.pk) for r in reports)
    page.goto(f"{base}/challenges/new/?reports={numbers}")
    axe(page)
    page.get_by_label(_("Title")).fill("Dark streets in North One")
    page.get_by_label(_("Problem statement")).fill("Lamps are out for weeks.")
    page.get_by_label(_("Who is most affected")).fill("Older residents walking home.")
    page.get_by_label(_("Led by")).select_option(label="Neighbours")
    shot(page, f"cocreation-challenge-form{suffix}")
    page.get_by_role("button", name=_("Publish the challenge")).click()
    page.get_by_role("heading", name="Dark streets in North One").wait_for()
    challenge = Challenge.objects.get()
    assert challenge.reports.count() == 5
    assert challenge.organisation == city["organisation"]
    axe(page)
    shot(page, f"cocreation-challenge{suffix}")
    sign_out(page, language)

    # a resident proposes and invites a co-author
    sign_in(page, base, users["resident"].email, language)
    page.goto(f"{base}/challenges/{challenge.pk}/")
    page.get_by_role("link", name=_("Propose an idea")).click()
    page.get_by_label(label("Title")).fill("Solar lamps on every street")
    page.get_by_label(_("Your proposal")).fill("Install solar lamps, one every 25 m.")
    axe(page)
    page.get_by_role("button", name=_("Publish my proposal")).click()
    page.get_by_role("heading", name="Solar lamps on every street").wait_for()
    proposal = Proposal.objects.get()
    page.get_by_label(_("Co-author's e-mail address or public name")).fill(users["moderator"].email)
    page.get_by_role("button", name=_("Add a co-author")).click()
    page.get_by_text(_("%(name)s is now a co-author.", name="Moderator")).wait_for()
    axe(page)
    sign_out(page, language)

    # the co-author edits: version 2 shows what changed, not by colour alone
    sign_in(page, base, users["moderator"].email, language)
    page.goto(f"{base}/challenges/proposals/{proposal.pk}/")
    page.get_by_role("link", name=_("Edit"), exact=True).click()
    page.get_by_label(_("Your proposal")).fill("Install solar lamps, one every 20 m.")
    page.get_by_label(_("What changed")).fill("closer lamps")
    page.get_by_role("button", name=_("Save a new version")).click()
    page.get_by_role("link", name=_("Version %(n)s", n=2)).click()
    assert page.locator("del").first.inner_text().strip().endswith("25")
    assert page.locator("ins").first.inner_text().strip().endswith("20")
    axe(page)
    shot(page, f"cocreation-version-diff{suffix}")
    sign_out(page, language)

    # an official makes it an initiative, fixes two indicators, starts the pilot, measures
    sign_in(page, base, users["official"].email, language)
    page.goto(f"{base}/challenges/proposals/{proposal.pk}/")
    page.get_by_role("button", name=_("Make it an initiative")).click()
    page.get_by_role("heading", name=_("Manage this initiative")).wait_for()
    initiative = Initiative.objects.get()

    def form(action: str) -> Any:
        return page.locator(f"form[action$='/{action}/']")

    def decide(stage: str, criteria: str, note: str) -> None:
        gate = form("gate")
        gate.get_by_label(label("Move to")).select_option(value=stage)
        gate.get_by_label(label("Criteria")).fill(criteria)
        gate.get_by_label(label("Decision note")).fill(note)
        gate.get_by_label(label("Decided on")).fill(today)
        gate.get_by_role("button", name=_("Record the decision")).click()
        page.get_by_text(_("The decision is recorded.")).wait_for()

    decide("codesign", "Many reports and endorsements", "Design it with the neighbours")
    for name, unit, baseline, target in [
        ("Lamps working", "%", "40", "95"),
        ("Dark spots", "n", "12", "2"),
    ]:
        goal = form("indicators")
        goal.get_by_label(label("Indicator")).fill(name)
        goal.get_by_label(label("Unit")).fill(unit)
        goal.get_by_label(label("Baseline")).fill(baseline)
        goal.get_by_label(label("Target")).fill(target)
        goal.get_by_label(label("Target date")).fill("2027-06-01")
        goal.get_by_role("button", name=_("Fix the indicator")).click()
        page.get_by_text(_("The indicator is fixed.")).wait_for()
    decide("pilot", "Goals fixed; budget found", "Pilot on three streets")
    measure = form("measurements")
    measure.get_by_label(label("Indicator")).select_option(label="Lamps working")
    measure.get_by_label(label("Measured on")).fill(today)
    measure.get_by_label(label("Value")).fill("61")
    measure.get_by_role("button", name=_("Record the measurement")).click()
    page.get_by_text(_("The measurement is recorded.")).wait_for()
    initiative.refresh_from_db()
    assert initiative.stage == Stage.PILOT
    assert initiative.indicators.count() == 2
    axe(page)
    sign_out(page, language)

    # anyone follows it: the stage, the chart with its table, and the whole timeline
    page.goto(f"{base}/challenges/initiatives/{initiative.pk}/")
    current = page.locator(".pipeline [aria-current=step]")
    assert _("Pilot") in current.inner_text()
    assert page.locator("svg.outcome-svg polyline.actual").count() == 1
    timeline = page.locator("ol.timeline").inner_text()
    for kind in ("Report", "Challenge", "Proposal", "Initiative", "Gate decision", "Measurement"):
        assert _(kind) in timeline, kind
    assert timeline.count(_("Report")) >= 5
    assert "61 %" in timeline
    axe(page)
    shot(page, f"cocreation-initiative{suffix}")
    context.close()
