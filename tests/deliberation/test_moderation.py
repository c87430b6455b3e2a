"""The moderation overview: every conversation with statements waiting, for moderators."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cocity.deliberation import services
from cocity.deliberation.models import Conversation

pytestmark = pytest.mark.django_db


def login(client: Client, user: Any) -> Client:
    assert client.login(email=user.email, password="pw-12345-long")
    return client


@pytest.fixture
def waiting(city: dict[str, Any], conversation: Conversation) -> dict[str, Any]:
    """Two conversations with statements from residents waiting, one with nothing waiting."""
    official, resident = city["users"]["official"], city["users"]["resident"]
    quiet = services.conversation_create(
        actor=official, topic="Nothing to moderate here", seed_statements=["A seed."]
    )
    other = services.conversation_create(
        actor=official, topic="Where should benches go?", seed_statements=["By the river."]
    )
    for i in range(3):
        services.statement_submit(conversation=conversation, body=f"Idea {i}", user=resident)
    services.statement_submit(conversation=other, body="Benches near the school", user=resident)
    return {"busy": [conversation, other], "quiet": quiet}


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_moderators_see_every_waiting_statement_with_links(
    client: Client,
    city: dict[str, Any],
    waiting: dict[str, Any],
    role: str,
    django_assert_max_num_queries: Any,
) -> None:
    login(client, city["users"][role])
    # session, user, two permission lookups, unread count, conversations, statements
    with django_assert_max_num_queries(7):
        page = client.get("/conversations/moderation/").content.decode()
    first, second = waiting["busy"]
    assert f'href="/conversations/{first.pk}/moderate/"' in page
    assert f'href="/conversations/{second.pk}/moderate/"' in page
    assert "3 statements waiting" in page
    assert "1 statement waiting" in page
    assert "Idea 2" in page
    assert "Benches near the school" in page
    assert "Nothing to moderate here" not in page
    # the longest-waiting conversation first
    assert page.index(first.topic) < page.index(second.topic)
    # the header offers the overview to moderators
    assert 'href="/conversations/moderation/" aria-current="page"' in page


def test_overview_after_everything_is_decided(
    client: Client, city: dict[str, Any], waiting: dict[str, Any]
) -> None:
    moderator = city["users"]["moderator"]
    for conversation in waiting["busy"]:
        for statement in conversation.statements.filter(status="pending"):
            services.statement_moderate(statement=statement, status="accepted", actor=moderator)
    page = login(client, moderator).get("/conversations/moderation/").content.decode()
    assert "No statements are waiting for moderation." in page


@pytest.mark.parametrize("role", ["resident", "official", "organisation_member"])
def test_others_may_not_see_the_overview(
    client: Client, city: dict[str, Any], waiting: dict[str, Any], role: str
) -> None:
    response = login(client, city["users"][role]).get("/conversations/moderation/")
    assert response.status_code == 403
    assert b"Benches near the school" not in response.content


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get("/conversations/moderation/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
