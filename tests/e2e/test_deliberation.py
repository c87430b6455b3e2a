"""30 people take part in a conversation through the browser and the API; the results page then
shows at least two opinion groups with their representative statements. Screenshots."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from tests.deliberation.conftest import SEEDS

from cocity.core import services as core_services
from cocity.deliberation import services
from cocity.deliberation.models import Conversation, Vote

pytestmark = pytest.mark.django_db(transaction=True)

CAR_FREE = {0: "agree", 1: "agree", 2: "agree", 3: "disagree", 4: "disagree", 5: "agree"}
CAR_FIRST = {0: "disagree", 1: "disagree", 2: "disagree", 3: "agree", 4: "agree", 5: "disagree"}


def camp_vote(camp: dict[int, str], number: int) -> str:
    return camp.get(number, "agree")  # 6 and 7: both camps agree


def vote_in_browser(page: Any, url: str, camp: dict[int, str], keyboard: bool = False) -> None:
    page.goto(url)
    for _ in SEEDS:
        number = int(page.locator("input[name=statement]").get_attribute("value"))
        choice = camp_vote(camp, number)
        label = {"agree": "Agree", "disagree": "Disagree", "pass": "Pass / unsure"}[choice]
        button = page.get_by_role("button", name=label, exact=True)
        with page.expect_navigation():
            if keyboard:
                button.focus()
                page.keyboard.press("Enter")
            else:
                button.click()
    assert "You have voted on every statement" in page.content()


def test_thirty_people_vote_and_see_two_groups(
    live_server: Any, city: dict[str, Any], browser: Any, shot: Any
) -> None:
    conversation: Conversation = services.conversation_create(
        actor=city["users"]["official"],
        topic="How should we get around?",
        description="Transport in the city.",
        allow_anonymous=True,
        seed_statements=SEEDS,
    )
    url = f"{live_server.url}/conversations/{conversation.pk}/"

    # 6 anonymous visitors in the browser, one of them by keyboard, one without JavaScript
    for i in range(6):
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, java_script_enabled=i != 5
        )
        page = context.new_page()
        if i == 0:
            page.goto(url)
            shot(page, "deliberation-card")
        vote_in_browser(page, url, CAR_FREE if i % 2 == 0 else CAR_FIRST, keyboard=i == 1)
        if i == 0:
            page.get_by_label("Your statement").fill("A night bus to the hospital.")
            with page.expect_navigation():
                page.get_by_role("button", name="Submit statement").click()
            assert "waits for a moderator" in page.content()
            shot(page, "deliberation-statement-submitted")
        context.close()

    # 24 residents through the REST API with their tokens
    api = browser.new_context()
    statements = list(conversation.statements.filter(status="accepted").order_by("number"))
    for i in range(24):
        user = core_services.user_create(
            email=f"voter{i}@example.org", password="pw-12345-long", display_name=f"V{i}"
        )
        token = Token.objects.create(user=user)
        camp = CAR_FREE if i % 2 == 0 else CAR_FIRST
        for statement in statements:
            response = api.request.post(
                f"{live_server.url}/api/conversations/{conversation.pk}/votes/",
                data={"statement": statement.number, "vote": camp_vote(camp, statement.number)},
                headers={"Authorization": f"Token {token.key}"},
            )
            assert response.ok, response.text()
    api.close()
    # and the author of the new statement agrees with it (as in Polis)
    assert Vote.objects.filter(conversation=conversation).count() == 30 * len(SEEDS) + 1

    # the queued recomputation runs in the worker (debounced: one queued run)
    call_command("worker", batch=True, interval=0.1, stdout=io.StringIO(), stderr=io.StringIO())

    context = browser.new_context(viewport={"width": 1000, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.goto(url + "results/")
    assert "30 participants" in page.content()
    groups = page.locator("section.group")
    assert groups.count() >= 2
    for g in range(groups.count()):
        assert groups.nth(g).locator("ol.representative li q").count() >= 1
    assert page.locator("svg[role=img] circle").count() == 30
    assert page.locator("#map-title").count() == 1
    assert "Fix the potholes first." in page.locator("#consensus-heading + h3 + ul").inner_text()
    shot(page, "deliberation-results-en")
    page.goto(f"{live_server.url}/conversations/")
    shot(page, "deliberation-list-en")
    context.close()

    spanish = browser.new_context(viewport={"width": 1000, "height": 900}, locale="en-GB")
    page = spanish.new_page()
    page.goto(url + "results/")
    page.select_option("#language-select", "es")
    with page.expect_navigation():
        page.get_by_role("button", name="Change").click()
    assert "Mapa de opiniones" in page.content()
    assert "Puntos en común" in page.content()
    shot(page, "deliberation-results-es")
    spanish.close()

    # the moderator accepts the new statement
    moderator = browser.new_context()
    page = moderator.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(city["users"]["moderator"].email)
    page.get_by_label("Password").fill("pw-12345-long")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(live_server.url + "/")
    page.goto(url + "moderate/")
    assert "A night bus to the hospital." in page.content()
    shot(page, "deliberation-moderation")
    with page.expect_navigation():
        page.get_by_role("button", name="Accept").click()
    assert "No statements are waiting" in page.content()
    moderator.close()
    assert conversation.statements.filter(status="accepted").count() == len(SEEDS) + 1
