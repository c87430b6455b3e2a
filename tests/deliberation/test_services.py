from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cocity.core.errors import Conflict, DomainError, NotAllowed
from cocity.core.models import AuditEntry
from cocity.deliberation import selectors, services
from cocity.deliberation.models import AnalysisResult, Conversation, Statement, Vote

pytestmark = pytest.mark.django_db


def test_officials_open_conversations_with_accepted_seed_statements(
    conversation: Conversation,
) -> None:
    statements = list(conversation.statements.order_by("number"))
    assert [s.number for s in statements] == list(range(8))
    assert all(s.status == Statement.Status.ACCEPTED and s.is_seed for s in statements)
    assert AuditEntry.objects.filter(action="conversation.created").count() == 1
    assert AuditEntry.objects.filter(action="statement.submitted").count() == 8


def test_residents_cannot_open_conversations(city: dict[str, Any]) -> None:
    with pytest.raises(NotAllowed):
        services.conversation_create(actor=city["users"]["resident"], topic="Mine")


def test_closing_before_opening_is_refused(city: dict[str, Any]) -> None:
    now = timezone.now()
    with pytest.raises(DomainError):
        services.conversation_create(
            actor=city["users"]["official"], topic="T", opens_at=now, closes_at=now
        )


def test_resident_statements_wait_for_moderation(
    city: dict[str, Any], conversation: Conversation
) -> None:
    resident = city["users"]["resident"]
    statement = services.statement_submit(
        conversation=conversation, body="  A  bench   by the river ", user=resident
    )
    assert statement.status == Statement.Status.PENDING
    assert statement.body == "A bench by the river"
    assert statement.number == 8
    assert statement.participant is not None
    assert statement.participant.user == resident
    assert list(selectors.statements_pending(conversation)) == [statement]
    with pytest.raises(Conflict):  # pending statements take no votes
        services.vote_cast(statement=statement, value=1, user=resident)
    with pytest.raises(NotAllowed):
        services.statement_moderate(statement=statement, status="accepted", actor=resident)
    with pytest.raises(DomainError, match="Unknown moderation"):
        services.statement_moderate(
            statement=statement, status="maybe", actor=city["users"]["moderator"]
        )
    services.statement_moderate(
        statement=statement, status="accepted", actor=city["users"]["moderator"]
    )
    statement.refresh_from_db()
    assert statement.status == Statement.Status.ACCEPTED
    assert AuditEntry.objects.filter(action="statement.moderated").count() == 1
    assert services.vote_cast(statement=statement, value="agree", user=resident).value == 1


def test_organisation_members_write_seed_statements(
    city: dict[str, Any], conversation: Conversation
) -> None:
    statement = services.statement_submit(
        conversation=conversation,
        body="Ask the neighbours first.",
        user=city["users"]["organisation_member"],
    )
    assert statement.status == Statement.Status.ACCEPTED
    assert statement.is_seed
    with pytest.raises(NotAllowed):
        services.statement_submit(
            conversation=conversation, body="I say so", user=city["users"]["resident"], seed=True
        )


@pytest.mark.parametrize(
    ("body", "code"),
    [("", "statement_empty"), ("   ", "statement_empty"), ("x" * 141, "statement_too_long")],
)
def test_bad_statements_are_refused_and_change_nothing(
    city: dict[str, Any], conversation: Conversation, body: str, code: str
) -> None:
    before = Statement.objects.count()
    with pytest.raises(DomainError) as info:
        services.statement_submit(
            conversation=conversation, body=body, user=city["users"]["resident"]
        )
    assert info.value.code == code
    assert Statement.objects.count() == before


def test_exactly_140_characters_is_allowed_and_duplicates_are_not(
    city: dict[str, Any], conversation: Conversation
) -> None:
    body = "y" * 140
    services.statement_submit(conversation=conversation, body=body, user=city["users"]["resident"])
    with pytest.raises(Conflict) as info:
        services.statement_submit(conversation=conversation, body="MORE BUSES AT NIGHT.")
    assert info.value.code == "duplicate"


def test_closed_conversations_take_no_statements_or_votes(
    city: dict[str, Any], conversation: Conversation
) -> None:
    statement = conversation.statements.first()
    assert statement is not None
    Conversation.objects.filter(pk=conversation.pk).update(
        closes_at=timezone.now() - timedelta(minutes=1)
    )
    conversation.refresh_from_db()
    statement.refresh_from_db()
    with pytest.raises(Conflict) as info:
        services.vote_cast(statement=statement, value=1, user=city["users"]["resident"])
    assert info.value.code == "conversation_closed"
    with pytest.raises(Conflict):
        services.statement_submit(
            conversation=conversation, body="Too late", user=city["users"]["resident"]
        )
    Conversation.objects.filter(pk=conversation.pk).update(
        closes_at=None, opens_at=timezone.now() + timedelta(days=1)
    )
    conversation.refresh_from_db()
    assert not conversation.is_open()


@pytest.mark.parametrize("value", [2, "maybe", "", None, True, "1.5"])
def test_unknown_vote_values_are_refused(
    city: dict[str, Any], conversation: Conversation, value: object
) -> None:
    statement = conversation.statements.get(number=0)
    with pytest.raises(DomainError) as info:
        services.vote_cast(statement=statement, value=value, user=city["users"]["resident"])
    assert info.value.code == "unknown_vote"
    assert not Vote.objects.exists()


def test_voting_again_replaces_the_vote(city: dict[str, Any], conversation: Conversation) -> None:
    statement = conversation.statements.get(number=0)
    resident = city["users"]["resident"]
    services.vote_cast(statement=statement, value="agree", user=resident)
    services.vote_cast(statement=statement, value="-1", user=resident)
    vote = Vote.objects.get()
    assert vote.value == -1
    assert conversation.participants.filter(user=resident).count() == 1


def test_anonymous_participation_only_where_allowed(
    city: dict[str, Any], conversation: Conversation
) -> None:
    statement = conversation.statements.get(number=0)
    services.vote_cast(statement=statement, value=0, session_key="abc")
    services.vote_cast(statement=statement, value=1, session_key="def")
    assert conversation.participants.filter(user=None).count() == 2
    Conversation.objects.filter(pk=conversation.pk).update(allow_anonymous=False)
    statement.refresh_from_db()
    with pytest.raises(NotAllowed) as info:
        services.vote_cast(statement=statement, value=1, session_key="ghi")
    assert info.value.code == "login_required"


def test_next_statement_skips_what_you_voted_on(
    city: dict[str, Any], conversation: Conversation
) -> None:
    resident = city["users"]["resident"]
    seen = []
    for _ in range(8):
        participant = selectors.participant_find(conversation, user=resident)
        statement = selectors.next_statement(conversation, participant)
        assert statement is not None
        assert statement.number not in seen
        seen.append(statement.number)
        services.vote_cast(statement=statement, value=1, user=resident)
    participant = selectors.participant_find(conversation, user=resident)
    assert selectors.next_statement(conversation, participant) is None
    assert selectors.vote_progress(conversation, participant) == (8, 8)


def test_analysis_needs_enough_voters(conversation: Conversation) -> None:
    statement = conversation.statements.get(number=0)
    services.vote_cast(statement=statement, value=1, session_key="a")
    assert services.analysis_run(conversation=conversation) is None
    assert selectors.results(conversation) is None


def test_two_opposed_camps_form_two_groups(camps: Conversation) -> None:
    result = services.analysis_run(conversation=camps)
    assert result is not None
    assert result.k >= 2
    assert result.n_participants == 30
    assert result.n_clustered == 30
    assert result.n_votes == 240
    # no group mixes the camps (even participants 0, 2, ... against odd ones)
    labels = result.labels
    camp_of_group: dict[int, set[int]] = {}
    for number, group in labels.items():
        camp_of_group.setdefault(group, set()).add(int(number) % 2)
    assert all(len(camps) == 1 for camps in camp_of_group.values())
    assert all(result.repness[str(g)] for g in range(2))
    assert 7 in result.consensus["agree"]
    assert result.parameters["mode"] == "compatible"
    assert AuditEntry.objects.filter(action="conversation.analysed").count() == 1
    # results view data: group sizes and the consensus statement's body
    data = selectors.results(camps)
    assert data is not None
    assert sum(g.size for g in data["groups"]) == 30
    assert data["consensus"]["agree"][0]["body"] == "Fix the potholes first."
    # next statement now follows the engine's priority; only five analyses are kept
    for _ in range(6):
        services.analysis_run(conversation=camps)
    assert AnalysisResult.objects.filter(conversation=camps).count() == services.ANALYSES_KEPT


def test_rejected_statements_leave_the_analysis(city: dict[str, Any], camps: Conversation) -> None:
    statement = camps.statements.get(number=0)
    services.statement_moderate(
        statement=statement,
        status="rejected",
        actor=city["users"]["moderator"],
        reason="Off topic.",
    )
    result = services.analysis_run(conversation=camps)
    assert result is not None
    reps = [r["statement"] for reps in result.repness.values() for r in reps]
    assert 0 not in reps


def test_personal_data_export_lists_votes_and_statements(
    city: dict[str, Any], conversation: Conversation
) -> None:
    from cocity.core.services import personal_data_export

    resident = city["users"]["resident"]
    services.vote_cast(statement=conversation.statements.get(number=2), value=-1, user=resident)
    services.statement_submit(conversation=conversation, body="Mine.", user=resident)
    data = personal_data_export(user=resident)["deliberation"]
    mine = Vote.objects.get(statement__body="Mine.")  # the author agrees with their own
    assert data["participations"][0]["votes"] == [
        {
            "statement": 2,
            "vote": -1,
            "at": Vote.objects.get(statement__number=2).voted_at.isoformat(),
        },
        {"statement": mine.statement.number, "vote": 1, "at": mine.voted_at.isoformat()},
    ]
    assert [s["body"] for s in data["statements"]] == ["Mine."]
