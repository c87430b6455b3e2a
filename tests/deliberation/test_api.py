from __future__ import annotations

from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cocity.deliberation import services
from cocity.deliberation.models import Conversation, Vote

pytestmark = pytest.mark.django_db


def token_client(user: Any) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_list_detail_and_statements(camps: Conversation) -> None:
    client = APIClient()
    body = client.get("/api/conversations/").json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item["topic"] == "How should we get around?"
    assert item["n_votes"] == 240
    assert item["n_participants"] == 31
    assert item["is_open"]
    assert client.get(f"/api/conversations/{camps.pk}/").json()["n_statements"] == 8
    statements = client.get(f"/api/conversations/{camps.pk}/statements/").json()
    assert [s["id"] for s in statements] == list(range(8))


def test_vote_with_a_token_and_vote_again(city: dict[str, Any], conversation: Conversation) -> None:
    client = token_client(city["users"]["resident"])
    url = f"/api/conversations/{conversation.pk}/votes/"
    assert client.post(url, {"statement": 3, "vote": "agree"}).json() == {
        "statement": 3,
        "vote": 1,
    }
    assert client.post(url, {"statement": 3, "vote": -1}).json()["vote"] == -1
    assert Vote.objects.get().value == -1


def test_vote_errors_are_problem_json(city: dict[str, Any], conversation: Conversation) -> None:
    url = f"/api/conversations/{conversation.pk}/votes/"
    Conversation.objects.filter(pk=conversation.pk).update(allow_anonymous=False)
    anonymous = APIClient().post(url, {"statement": 0, "vote": 1})
    assert anonymous.status_code in (401, 403)
    assert anonymous["Content-Type"] == "application/problem+json"
    assert not Vote.objects.exists()
    client = token_client(city["users"]["resident"])
    bad = client.post(url, {"statement": 0, "vote": "perhaps"})
    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/problem+json"
    assert bad.json()["code"] == "unknown_vote"
    missing = client.post(url, {"vote": 1})
    assert missing.status_code == 400
    assert "statement" in missing.json()["errors"]
    assert client.post(url, {"statement": 99, "vote": 1}).status_code == 404
    assert client.get("/api/conversations/999/").status_code == 404
    assert not Vote.objects.exists()


def test_statement_post_through_the_api(city: dict[str, Any], conversation: Conversation) -> None:
    client = token_client(city["users"]["resident"])
    url = f"/api/conversations/{conversation.pk}/statements/"
    created = client.post(url, {"body": "More buses at night, please."})
    assert created.status_code == 201
    assert created.json()["status"] == "pending"
    assert created.json()["similar"] == [0]  # "More buses at night."
    too_long = client.post(url, {"body": "z" * 141})
    assert too_long.status_code == 400
    assert too_long.json()["code"] == "statement_too_long"


def test_results(camps: Conversation) -> None:
    client = APIClient()
    assert client.get(f"/api/conversations/{camps.pk}/results/").json()["k"] == 0
    services.analysis_run(conversation=camps)
    body = client.get(f"/api/conversations/{camps.pk}/results/").json()
    assert body["k"] >= 2
    assert body["n_votes"] == 240
    assert sum(g["size"] for g in body["groups"]) == 30
    assert all(g["representative"] for g in body["groups"])
    assert 7 in [s["statement"] for s in body["consensus"]["agree"]]
    assert len(body["projections"]) == 30


def test_anonymous_participation_through_the_api(conversation: Conversation) -> None:
    """Where the conversation allows it, a client without an account votes and writes statements;
    the session cookie of the first answer keeps naming the same participant."""
    alice, bob = APIClient(), APIClient()
    votes = f"/api/conversations/{conversation.pk}/votes/"
    assert alice.post(votes, {"statement": 0, "vote": "agree"}).status_code == 200
    assert alice.post(votes, {"statement": 1, "vote": "disagree"}).status_code == 200
    assert alice.post(votes, {"statement": 0, "vote": "pass"}).status_code == 200
    assert bob.post(votes, {"statement": 0, "vote": "disagree"}).status_code == 200
    # participant 0 is the official who wrote the seed statements; then Alice and Bob
    assert conversation.participants.filter(user=None).count() == 2
    assert sorted(
        Vote.objects.values_list("participant__number", "statement__number", "value")
    ) == [
        (1, 0, 0),
        (1, 1, -1),
        (2, 0, -1),
    ]
    added = alice.post(
        f"/api/conversations/{conversation.pk}/statements/", {"body": "More benches."}
    )
    assert added.status_code == 201
    assert added.json()["status"] == "pending"
    assert conversation.statements.get(body="More benches.").participant.number == 1


def test_conversation_links_its_need(city: dict[str, Any], conversation: Conversation) -> None:
    assert APIClient().get(f"/api/conversations/{conversation.pk}/").json()["need"] is None
