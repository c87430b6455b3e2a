"""A three-district budget from ideas to an explained result, with the ballot channels: residents
submit ideas in three districts, an official reviews them (and merges two alike ideas once both
authors agree), residents support projects in the support round, 50 people vote — 40 with
one-time codes (the official prints the codes from the manage page), 10 on paper entered twice
by two officials (one sheet whose entries differ is resolved by a third) — the tally runs and the
results page shows the winners, the explanations and the EJR audit, in English and Spanish, and
fits a phone.

The browser does the representative steps (an idea, a review, a merge agreed, a support, the
shortlist, generating codes, voting with a code with and without JavaScript, both entries of a
paper sheet, the count, the pages); the rest are posts of the same forms over HTTP in the same
test. Screenshots; axe-core on each page."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from tests.e2e.test_needs import PASSWORD, sign_in, t

from cocity.budgeting import services
from cocity.budgeting.models import (
    Ballot,
    Idea,
    MergeProposal,
    PaperSheet,
    Result,
    Support,
)
from cocity.core import services as core

pytestmark = pytest.mark.django_db(transaction=True)

DISTRICTS = ("n1", "n2", "s1")
IDEAS = [("Shade trees", 60), ("Safe crossing", 30), ("Benches", 30), ("Fountain", 20)]


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_ideas_codes_and_paper_to_an_explained_result(
    live_server: Any, city: dict[str, Any], browser: Any, axe: Any, shot: Any
) -> None:
    base = live_server.url
    users = city["users"]
    official, admin, resident = users["official"], users["admin"], users["resident"]
    third = core.user_create(
        email="elena@example.org", password=PASSWORD, role="official", display_name="Elena"
    )
    now, day = timezone.now(), timedelta(days=1)
    process = services.process_create(
        actor=official,
        slug="pb",
        title="Budget 2027",
        titles={"es": "Presupuesto 2027"},
        ideas_opens_at=now - day,
        review_opens_at=now + day,
        support_opens_at=now + 1.5 * day,
        voting_opens_at=now + 2 * day,
        voting_closes_at=now + 3 * day,
        max_choices=2,
    )
    for code in DISTRICTS:
        area = city["areas"][code]
        services.envelope_create(
            actor=official, process=process, slug=code, name=area.name, amount=100, area=area
        )

    # 1. ideas: one through the browser, the others as posts of the same form
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    sign_in(page, base, resident.email)
    page.goto(base + "/budgets/pb/n1/ideas/new/")
    page.get_by_label("Title").fill(IDEAS[0][0])
    page.get_by_label("Your idea").fill("Shade for the square in summer.")
    axe(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Submit my idea").click()
    context.close()
    poster = _client(resident)
    for code in DISTRICTS:
        for title, _cost in IDEAS:
            if (code, title) == ("n1", IDEAS[0][0]):
                continue
            res = poster.post(
                f"/budgets/pb/{code}/ideas/new/", {"title": title, "body": f"{title}, please."}
            )
            assert res.status_code == 302, res.content[:500]
    neighbour = core.user_create(email="nora@example.org", password=PASSWORD, display_name="Nora")
    res = _client(neighbour).post(
        "/budgets/pb/n1/ideas/new/", {"title": "More shade", "body": "Trees by the school."}
    )
    assert res.status_code == 302
    assert Idea.objects.count() == 13

    # 2. the official reviews: one in the browser, the rest as posts
    services.process_set_phase(actor=official, process=process, phase="review")
    first = Idea.objects.get(envelope__slug="n1", title=IDEAS[0][0])
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    sign_in(page, base, official.email)
    page.goto(f"{base}/budgets/pb/ideas/{first.pk}/")
    page.get_by_label("Accept: put it on the ballot").check()
    page.get_by_label("Cost estimate").fill("60")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the review").click()
    reviewer = _client(official)
    costs = {**dict(IDEAS), "More shade": 50}
    for idea in Idea.objects.exclude(pk=first.pk):
        res = reviewer.post(
            f"/budgets/pb/ideas/{idea.pk}/review/",
            {"decision": "accept", "cost": costs[idea.title]},
        )
        assert res.status_code == 302
    assert Idea.objects.filter(status="accepted").count() == 13

    # 2b. the official proposes to merge "More shade" into "Shade trees"; both authors agree
    #     (the resident in the browser), and the support it had moves, visibly
    extra = Idea.objects.get(title="More shade")
    Support.objects.create(idea=extra, user=neighbour)
    page.goto(f"{base}/budgets/pb/ideas/{first.pk}/")
    page.get_by_label("More shade").check()
    page.get_by_label("Why they belong together").fill("Both ask for shade in the square.")
    with page.expect_navigation():
        page.get_by_role("button", name="Ask the authors").click()
    proposal = MergeProposal.objects.get()
    context.close()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    sign_in(page, base, resident.email)
    page.goto(f"{base}/budgets/pb/merges/{proposal.pk}/")
    axe(page)
    with page.expect_navigation():
        page.get_by_role("button", name="I agree").click()
    assert MergeProposal.objects.get().status == "open"  # Nora has not answered yet
    res = _client(neighbour).post(f"/budgets/pb/merges/{proposal.pk}/", {"action": "accept"})
    assert res.status_code == 302
    page.reload()
    assert "Merged" in page.locator("#merge-status").inner_text()
    shot(page, "budget-merge-agreed")
    assert Support.objects.get(user=neighbour).idea_id == first.pk
    assert Idea.objects.filter(status="accepted").count() == 12

    # 2c. the support round: residents support projects; the shortlist keeps them all
    #     (no size or threshold in this process) and is published
    services.process_set_phase(actor=official, process=process, phase="support")
    page.goto(base + "/budgets/pb/n1/")
    with page.expect_navigation():
        page.get_by_role("button", name="Support: Safe crossing").click()
    assert page.get_by_role("button", name="Withdraw my support: Safe crossing").count() == 1
    axe(page)
    shot(page, "budget-support-round")
    context.close()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    sign_in(page, base, official.email)
    page.goto(base + "/budgets/pb/manage/")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish the shortlist").click()
    assert "The shortlist is published." in page.content()
    assert Idea.objects.filter(status="accepted").count() == 12

    # 3. voting opens; the official prints codes (CSV in the browser, 13 per district)
    services.process_set_phase(actor=official, process=process, phase="voting")
    page.goto(base + "/budgets/pb/manage/")
    axe(page)
    shot(page, "budget-channels-manage")
    codes: dict[str, list[str]] = {}
    for code in DISTRICTS:
        page.locator(f"#count-{code}").fill("14")
        page.locator(f"#format-{code}").select_option("csv")
        with page.expect_download() as download:
            page.locator(f"form[action='/budgets/pb/{code}/codes/'] button").click()
        text = open(download.value.path(), encoding="utf-8").read()  # noqa: SIM115
        codes[code] = [row["code"] for row in csv.DictReader(io.StringIO(text))]
    assert all(len(c) == 14 for c in codes.values())
    pdf = reviewer.post("/budgets/pb/s1/codes/", {"count": 2, "format": "pdf"})
    assert pdf.content.startswith(b"%PDF")
    context.close()

    # 4. 40 voters with codes: two in the browser (English with JavaScript, Spanish without),
    #    the others as posts of the same form
    ids = {(i.envelope.slug, i.title): i.pk for i in Idea.objects.select_related("envelope")}
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    page.goto(base + "/budgets/pb/")
    page.get_by_role("link", name="Vote with a code").first.click()
    page.get_by_label("Your voting code").fill(codes["n1"][0])
    page.get_by_label("Safe crossing", exact=True).check()
    page.get_by_label("Benches", exact=True).check()
    assert "€60 of €100" in page.locator("#ballot-totals").inner_text()
    axe(page)
    shot(page, "budget-code-ballot")
    with page.expect_navigation():
        page.get_by_role("button", name="Cast my ballot").click()
    assert "Your receipt code is" in page.content()
    context.close()
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="es-ES", java_script_enabled=False
    )
    context.add_cookies([{"name": "django_language", "value": "es", "url": base}])
    page = context.new_page()
    page.goto(base + "/budgets/pb/n2/vote/code/")
    page.get_by_label(t("es", "Your voting code")).fill(codes["n2"][0])
    page.get_by_label("Shade trees", exact=True).check()
    page.get_by_label("Fountain", exact=True).check()
    page.get_by_role("button", name=t("es", "Cast my ballot")).click()
    assert t("es", "This code has already been used.") not in page.content()
    assert Ballot.objects.filter(channel="code").count() == 2
    page.goto(base + "/budgets/pb/n2/vote/code/")
    page.get_by_label(t("es", "Your voting code")).fill(codes["n2"][0])
    page.get_by_label("Benches", exact=True).check()
    page.get_by_role("button", name=t("es", "Cast my ballot")).click()
    assert t("es", "This code has already been used.") in page.content()
    shot(page, "budget-code-spent-es")  # (axe-core needs JavaScript: not on this page)
    context.close()
    tastes = [
        ("Safe crossing", "Benches"),
        ("Shade trees",),
        ("Fountain", "Benches"),
        ("Shade trees", "Fountain"),
    ]
    anonymous = Client()
    n = 0
    for code in DISTRICTS:
        for k, voting_code in enumerate(codes[code][1:]):
            if n == 38:
                break
            choice = tastes[(k + DISTRICTS.index(code)) % len(tastes)]
            data = {f"p{ids[(code, title)]}": "1" for title in choice}
            res = anonymous.post(
                f"/budgets/pb/{code}/vote/code/", {**data, "code": voting_code, "action": "cast"}
            )
            assert res.status_code == 302, res.content[:800]
            n += 1
    assert Ballot.objects.filter(channel="code").count() == 40

    # 5. 10 paper ballots, each entered by two officials: one sheet in the browser
    for who in (official, admin):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        page = context.new_page()
        sign_in(page, base, who.email)
        page.goto(base + "/budgets/pb/s1/paper/")
        page.get_by_label("Sheet number").fill("S1-0001")
        page.get_by_label("Safe crossing", exact=True).check()
        page.get_by_label("Fountain", exact=True).check()
        with page.expect_navigation():
            page.get_by_role("button", name="Enter the sheet").click()
        axe(page)
        shot(page, f"budget-paper-{who.role}")
        context.close()
    assert PaperSheet.objects.get(serial="S1-0001").status == "counted"
    one, two, three = _client(official), _client(admin), _client(third)
    for k in range(2, 11):
        code = DISTRICTS[k % 3]
        choice = tastes[k % len(tastes)]
        data = {f"p{ids[(code, title)]}": "1" for title in choice}
        form = {**data, "serial": f"P-{k}", "action": "cast"}
        assert one.post(f"/budgets/pb/{code}/paper/", form).status_code == 302
        if k == 10:  # the second official reads the sheet differently
            other = {f"p{ids[(code, 'Benches')]}": "1", "serial": f"P-{k}", "action": "cast"}
            assert two.post(f"/budgets/pb/{code}/paper/", other).status_code == 302
            assert PaperSheet.objects.get(serial=f"P-{k}").status == "mismatch"
            assert three.post(f"/budgets/pb/{code}/paper/", form).status_code == 302
        else:
            assert two.post(f"/budgets/pb/{code}/paper/", form).status_code == 302
    assert Ballot.objects.filter(channel="paper").count() == 10
    assert Ballot.objects.count() == 50

    # 5b. the official names an organisation member booth helper; the booth's page is ready
    #     (nobody else votes there: the 50 voters are the ones above)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    sign_in(page, base, official.email)
    page.goto(base + "/budgets/pb/manage/")
    page.get_by_label("E-mail of the organisation member").fill(users["organisation_member"].email)
    with page.expect_navigation():
        page.get_by_role("button", name="Add the booth helper").click()
    assert "can now record assisted ballots" in page.content()
    context.close()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    sign_in(page, base, users["organisation_member"].email)
    page.goto(base + "/budgets/pb/")
    page.get_by_role("link", name="Booth: assisted ballot").first.click()
    booth_code = page.get_by_label("Voter's one-time code (if they bring one)")
    booth_code.first.wait_for()  # count() does not wait for the booth's page to load
    assert booth_code.count() == 1
    axe(page)
    shot(page, "budget-assisted-booth")
    context.close()

    # the process page: the channel rule and turnout per channel
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.goto(base + "/budgets/pb/")
    assert "the first ballot recorded counts" in page.content()
    assert page.locator("table.turnout").count() == 3
    axe(page)
    shot(page, "budget-channels-turnout")

    # 6. the official counts in the browser; the results are explained, in English and Spanish
    services.process_set_phase(actor=official, process=process, phase="tally")
    sign_in(page, base, official.email)
    page.goto(base + "/budgets/pb/manage/")
    with page.expect_navigation():
        page.get_by_role("button", name="Count and publish the results").click()
    context.close()
    assert Result.objects.filter(envelope__process=process).count() == 3
    assert sum(r.n_ballots for r in Result.objects.all()) == 50
    for language in ("en", "es"):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        page = context.new_page()
        for code in DISTRICTS:
            result = Result.objects.get(envelope__slug=code)
            page.goto(f"{base}/budgets/pb/{code}/results/")
            body = page.content()
            assert result.result_sha256 in body
            assert page.locator("svg.results-chart rect.bar-won").count() == len(result.winners)
            if result.explanations:
                assert t(language, "Why a project was not funded") in body
        axe(page)
        shot(page, f"budget-channels-results-{language}")
        context.close()
    assert any(r.explanations for r in Result.objects.all())

    # the EJR audit and the funded projects' progress; the results fit a 375 px phone
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="en-GB")
    page = context.new_page()
    page.goto(f"{base}/budgets/pb/n1/results/")
    assert "EJR up to one project" in page.locator("#ejr-verdict").inner_text()
    assert "Funded projects and their progress" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    axe(page)
    shot(page, "budget-results-phone")
    context.close()
