"""A participatory budget in the browser: a resident votes with JavaScript (live totals), another
in Spanish without it ("check my ballot"), both get receipts; an official counts; the results
page shows the winners, the Equal Shares explanation and the chart, in English and Spanish.
Screenshots; axe-core on the ballot and results pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from tests.e2e.test_needs import PASSWORD, sign_in, t

from cocity.budgeting import services
from cocity.budgeting.models import Ballot, Result
from cocity.core import services as core

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def running(city: dict[str, Any]) -> dict[str, Any]:
    official = city["users"]["official"]
    now = timezone.now()
    day = timedelta(days=1)
    process = services.process_create(
        actor=official,
        slug="pb",
        title="Budget 2027",
        titles={"es": "Presupuesto 2027"},
        ideas_opens_at=now - day,
        review_opens_at=now + day,
        voting_opens_at=now + 2 * day,
        voting_closes_at=now + 3 * day,
        max_choices=2,
    )
    env = services.envelope_create(
        actor=official, process=process, slug="city", name="Whole city", amount=100
    )
    ideas = {
        title: services.idea_submit(
            author=city["users"]["resident"], envelope=env, title=title, body="Please."
        )
        for title in ("Trees", "Benches", "Lights")
    }
    services.process_set_phase(actor=official, process=process, phase="review")
    for title, cost in (("Trees", 60), ("Benches", 30), ("Lights", 30)):
        ideas[title] = services.idea_review(
            actor=official, idea=ideas[title], accept=True, cost=cost
        )
    services.process_set_phase(actor=official, process=process, phase="voting")
    return {**city, "process": process, "envelope": env, "ideas": ideas}


def test_residents_vote_and_everyone_sees_the_explained_result(
    live_server: Any, running: dict[str, Any], browser: Any, axe: Any, shot: Any
) -> None:
    base = live_server.url
    # 1. with JavaScript, in English: the totals update as the resident ticks
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    sign_in(page, base, running["users"]["resident"].email)
    page.goto(base + "/budgets/")
    page.get_by_role("link", name="Budget 2027").click()
    page.get_by_role("link", name="Vote: Whole city").click()
    for title in ("Trees", "Benches", "Lights"):
        page.get_by_label(title, exact=True).check()
    totals = page.locator("#ballot-totals")
    assert "3 projects chosen" in totals.inner_text()
    assert "over the limit" in totals.inner_text()
    shot(page, "budget-ballot-over")
    page.get_by_label("Lights", exact=True).uncheck()
    assert "over the limit" not in totals.inner_text()
    assert "€90 of €100" in totals.inner_text()
    axe(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Cast my ballot").click()
    receipt = Ballot.objects.get().receipt
    assert receipt in page.content()
    shot(page, "budget-ballot-cast")
    context.close()

    # 2. without JavaScript, in Spanish: "check my ballot" shows what is wrong, then casting works
    voter = core.user_create(email="ana@example.org", password=PASSWORD, display_name="Ana")
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="es-ES", java_script_enabled=False
    )
    context.add_cookies([{"name": "django_language", "value": "es", "url": base}])
    page = context.new_page()
    sign_in(page, base, voter.email, language="es")
    page.goto(base + "/budgets/pb/city/vote/")
    for title in ("Trees", "Benches", "Lights"):
        page.get_by_label(title, exact=True).check()
    page.get_by_role("button", name=t("es", "Check my ballot")).click()
    assert t("es", "Choose at most %(n)d projects.", n=2) in page.content()
    shot(page, "budget-ballot-check-es")
    page.get_by_label("Trees", exact=True).uncheck()
    page.get_by_role("button", name=t("es", "Check my ballot")).click()
    assert t("es", "This ballot is valid.") in page.content()
    page.get_by_role("button", name=t("es", "Cast my ballot")).click()
    assert Ballot.objects.count() == 2
    page.goto(base + "/budgets/receipt/?code=" + receipt)
    recorded = t(
        "es",
        "A ballot with this code is recorded in “%(envelope)s” (%(process)s).",
        envelope="Whole city",
        process="Presupuesto 2027",
    )
    assert recorded in page.content()
    context.close()

    # 3. more voters (through the service), then an official counts in the browser
    env = running["envelope"]
    ideas = running["ideas"]
    for i, title in enumerate(["Trees"] * 6 + ["Benches"] * 5 + ["Lights"] * 6):
        person = core.user_create(email=f"v{i}@example.org", password=PASSWORD)
        services.ballot_cast(user=person, envelope=env, choices={str(ideas[title].pk): 1})
    services.process_set_phase(
        actor=running["users"]["official"], process=running["process"], phase="tally"
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    sign_in(page, base, running["users"]["official"].email)
    page.goto(base + "/budgets/pb/manage/")
    axe(page)
    shot(page, "budget-manage")
    with page.expect_navigation():
        page.get_by_role("button", name="Count and publish the results").click()
    assert "The ballots are counted" in page.content()
    context.close()
    result = Result.objects.get(envelope=env)
    assert sorted(result.winners) == sorted([str(ideas["Benches"].pk), str(ideas["Lights"].pk)])

    # 4. anyone sees the results, in English and in Spanish
    for language in ("en", "es"):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        page = context.new_page()
        page.goto(base + "/budgets/pb/city/results/")
        body = page.content()
        assert page.locator("svg.results-chart rect.bar-won").count() == 2
        assert t(language, "Why a project was not funded") in body
        assert t(language, "What greedy counting would have chosen") in body
        assert result.result_sha256 in body
        assert "Trees" in body
        axe(page)
        shot(page, f"budget-results-{language}")
        context.close()
