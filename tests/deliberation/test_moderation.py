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


def test_author_agrees_with_own_statement_and_never_gets_its_card(
    city: dict[str, Any], conversation: Conversation
) -> None:
    from cocity.deliberation import selectors
    from cocity.deliberation.models import Statement, Vote

    member = city["users"]["organisation_member"]  # accepted at once: votable
    statement = services.statement_submit(
        conversation=conversation, body="Ask the neighbours first.", user=member
    )
    assert statement.status == Statement.Status.ACCEPTED
    vote = Vote.objects.get(statement=statement)
    assert vote.value == 1
    assert vote.participant.user == member
    participant = selectors.participant_find(conversation, user=member)
    seen = set()
    while (card := selectors.next_statement(conversation, participant)) is not None:
        seen.add(card.pk)
        services.vote_cast(statement=card, value=0, user=member)
    assert statement.pk not in seen
    assert len(seen) == 8  # every seed statement, not their own
    # an anonymous participant's statement counts for their session too
    pending = services.statement_submit(
        conversation=conversation, body="Night buses on Fridays.", session_key="sess-1"
    )
    assert Vote.objects.get(statement=pending).participant.session_key == "sess-1"
    # the organiser's opening statements are prompts: no vote in their name
    assert not Vote.objects.filter(participant__user=city["users"]["official"]).exists()


def test_rejection_needs_a_reason_and_the_author_is_told(
    city: dict[str, Any], conversation: Conversation, django_capture_on_commit_callbacks: Any
) -> None:
    from django.utils import translation

    from cocity.core.errors import DomainError
    from cocity.core.models import Notification
    from cocity.deliberation.models import Statement

    resident, moderator = city["users"]["resident"], city["users"]["moderator"]
    bad = services.statement_submit(
        conversation=conversation, body="Idiots run buses", user=resident
    )
    good = services.statement_submit(conversation=conversation, body="Buses at dawn", user=resident)
    with pytest.raises(DomainError) as err:
        services.statement_moderate(statement=bad, status="rejected", actor=moderator, reason="  ")
    assert err.value.code == "reason_required"
    bad.refresh_from_db()
    assert bad.status == Statement.Status.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        services.statement_moderate(
            statement=bad, status="rejected", actor=moderator, reason="Insults are not allowed."
        )
        services.statement_moderate(statement=good, status="accepted", actor=moderator)
    bad.refresh_from_db()
    assert bad.rejection_reason == "Insults are not allowed."
    notes = {n.verb: n for n in Notification.objects.filter(recipient=resident)}
    assert set(notes) == {"statement.rejected", "statement.accepted"}
    assert "Insults are not allowed." in notes["statement.rejected"].message
    assert "“Idiots run buses” was not accepted" in notes["statement.rejected"].message
    assert "“Buses at dawn” was accepted" in notes["statement.accepted"].message
    with translation.override("es"):
        assert "no se aceptó" in notes["statement.rejected"].message


def test_moderation_queue_shows_author_date_and_asks_a_reason(
    client: Client,
    city: dict[str, Any],
    conversation: Conversation,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from cocity.core.models import Notification
    from cocity.deliberation.models import Statement

    resident = city["users"]["resident"]
    named = services.statement_submit(conversation=conversation, body="Idea A", user=resident)
    services.statement_submit(conversation=conversation, body="Idea B", session_key="anon-1")
    login(client, city["users"]["moderator"])
    url = f"/conversations/{conversation.pk}/moderate/"
    page = client.get(url).content.decode()
    assert resident.public_name in page
    assert "Anonymous participant" in page
    assert page.count("<time datetime=") == 2
    assert f'<label for="reason-{named.pk}">' in page
    res = client.post(
        url, {"statement": named.pk, "decision": "rejected", "reason": ""}, follow=True
    )
    assert "Give a reason for the rejection" in res.content.decode()
    named.refresh_from_db()
    assert named.status == Statement.Status.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"statement": named.pk, "decision": "rejected", "reason": "Off topic."})
    named.refresh_from_db()
    assert named.status == Statement.Status.REJECTED
    assert named.rejection_reason == "Off topic."
    assert "Off topic." in Notification.objects.get(recipient=resident).message
