"""Co-creation's second part in a phone-sized browser: a resident amends a proposal and its
author accepts it; an organisation member calls a workshop with one place, two people register
(the second waits); residents answer the gate's survey; after the workshop its minutes,
attendance and the proposal it shaped are recorded, and the gate's decision shows the survey's
results; the timeline shows the amendment and the workshop. Then the same pages in Spanish.
axe-core on every page; screenshots."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone
from tests.e2e.test_needs import sign_in, sign_out, t

from cocity.cocreation import services
from cocity.cocreation.models import Meeting, ProposalAmendment

pytestmark = pytest.mark.django_db(transaction=True)


def test_amendment_workshop_and_gate_survey(
    live_server: Any, city: dict[str, Any], browser: Any, axe: Any, shot: Any
) -> None:
    from cocity.needs import services as needs_services

    users = city["users"]
    lights = needs_services.category_create(
        code="streetlight", name="Street light out", department=city["departments"]["roads"]
    )
    reports = [
        needs_services.report_submit(
            category=lights, description=f"Lamp {i} out", lat=40.965, lon=-5.695
        )
        for i in range(2)
    ]
    challenge = services.challenge_create(
        actor=users["official"], title="Dark streets", statement="Lamps out.", reports=reports
    )
    proposal = services.proposal_submit(
        author=users["resident"],
        challenge=challenge,
        title="Solar lamps",
        body="Install solar lamps on every street.",
    )
    initiative = services.initiative_create(proposal=proposal, actor=users["official"])
    services.gate_decide(
        initiative=initiative, actor=users["official"], to_stage="codesign", criteria="c", note="n"
    )
    services.indicator_add(
        initiative=initiative,
        actor=users["official"],
        name="Lamps working",
        unit="%",
        baseline=40,
        target=95,
        target_date=date(2027, 6, 1),
    )
    base = live_server.url
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()

    def label(text: str) -> re.Pattern[str]:
        return re.compile("^" + re.escape(text) + ":?$")

    # an organisation member calls a workshop with a single place
    sign_in(page, base, users["organisation_member"].email)
    page.goto(f"{base}/challenges/{challenge.pk}/")
    page.get_by_role("link", name="Call a meeting or workshop").click()
    start = (timezone.localtime() + timedelta(days=2)).replace(hour=18, minute=0)
    page.get_by_label(label("Title")).fill("Night walk workshop")
    page.get_by_label(label("Agenda")).fill("Walk the streets and map the dark spots.")
    page.get_by_label(label("Starts at")).fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label(label("Ends at")).fill(
        (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label(label("Place")).fill("Civic centre, room 2")
    page.get_by_label(label("Accessibility")).fill("Step-free entrance; hearing loop.")
    page.get_by_label(label("Capacity")).fill("1")
    page.get_by_label(label("Hosted by")).select_option(label="Neighbours")
    axe(page)
    page.get_by_role("button", name="Announce the meeting").click()
    page.get_by_role("heading", name="Night walk workshop").wait_for()
    meeting = Meeting.objects.get()
    assert meeting.organisation == city["organisation"]
    sign_out(page)

    # a moderator (not an author) amends the proposal and takes the place
    sign_in(page, base, users["moderator"].email)
    page.goto(f"{base}/challenges/proposals/{proposal.pk}/")
    page.get_by_role("link", name="Propose an amendment").click()
    page.get_by_label(label("Proposed text")).fill(
        "Install solar lamps on every street, the school first."
    )
    page.get_by_label(label("Why this change")).fill("Children walk there in the dark.")
    axe(page)
    page.get_by_role("button", name="Send the amendment").click()
    page.get_by_text("Your amendment is sent to the proposal's authors.").wait_for()
    page.goto(f"{base}/challenges/meetings/{meeting.pk}/")
    page.get_by_role("button", name="Register").click()
    page.get_by_text("You are registered.").first.wait_for()
    sign_out(page)

    # the author accepts the amendment, finds the workshop full, answers the gate's survey
    sign_in(page, base, users["resident"].email)
    amendment = ProposalAmendment.objects.get()
    page.goto(f"{base}/challenges/amendments/{amendment.pk}/")
    assert "school" in " ".join(page.locator("ins").all_inner_texts())
    axe(page)
    shot(page, "cocreation-amendment")
    page.get_by_role("button", name="Accept: make it the new version").click()
    page.get_by_text("The amendment is accepted: it is the new version.").wait_for()
    assert "became version 2" in page.content()
    proposal.refresh_from_db()
    assert proposal.version == 2
    page.goto(f"{base}/challenges/meetings/{meeting.pk}/")
    page.get_by_role("button", name="Join the waiting list").click()
    page.get_by_text("The meeting is full: you are on the waiting list.").wait_for()
    axe(page)
    shot(page, "cocreation-meeting-full")
    page.goto(f"{base}/challenges/initiatives/{initiative.pk}/")
    page.get_by_role("radio", name="4", exact=True).check()
    page.get_by_role("radio", name="Yes", exact=True).check()
    page.get_by_label(label("Your comment")).fill("Start before winter.")
    page.get_by_role("button", name="Send my answer").click()
    page.get_by_text("Thank you: your answer is shown with the decision.").wait_for()
    sign_out(page)

    # the workshop took place: the host records minutes, attendance and the proposal it shaped
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    sign_in(page, base, users["organisation_member"].email)
    page.goto(f"{base}/challenges/meetings/{meeting.pk}/")
    page.get_by_label(label("Minutes")).fill("We mapped 12 dark spots near the school.")
    page.get_by_label("Moderator").check()
    page.get_by_label("Solar lamps").check()
    page.get_by_role("button", name="Record", exact=True).click()
    page.get_by_text("The minutes and attendance are recorded.").wait_for()
    axe(page)
    shot(page, "cocreation-meeting-minutes")
    sign_out(page)

    # an official starts the pilot: the decision carries the survey's results
    sign_in(page, base, users["official"].email)
    page.goto(f"{base}/challenges/initiatives/{initiative.pk}/")
    gate = page.locator("form[action$='/gate/']")
    gate.get_by_label(label("Move to")).select_option(value="pilot")
    gate.get_by_label(label("Criteria")).fill("Goals fixed; the workshop chose the streets")
    gate.get_by_label(label("Decision note")).fill("Pilot near the school")
    gate.get_by_role("button", name="Record the decision").click()
    page.get_by_text("The decision is recorded.").wait_for()
    decisions = page.locator("table.cards").inner_text()
    assert "mean rating 4.0 of 5" in decisions
    assert "Start before winter." in decisions
    sign_out(page)

    # the public timeline: the amendment and the workshop among the steps
    page.goto(f"{base}/challenges/initiatives/{initiative.pk}/")
    timeline = page.locator("ol.timeline").inner_text()
    assert "Night walk workshop" in timeline
    assert "Amendment" in timeline
    axe(page)
    shot(page, "cocreation-initiative-survey")
    context.close()

    # the same public pages in Spanish
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="es-ES")
    page = context.new_page()
    page.goto(f"{base}/challenges/meetings/{meeting.pk}/")
    assert t("es", "Minutes") in page.content()
    assert t("es", "Accessibility") in page.content()
    axe(page)
    shot(page, "cocreation-meeting-es")
    page.goto(f"{base}/challenges/initiatives/{initiative.pk}/")
    assert t("es", "Residents' survey") in page.content()
    axe(page)
    shot(page, "cocreation-initiative-survey-es")
    context.close()
