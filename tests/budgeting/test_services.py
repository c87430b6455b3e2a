from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import translation
from tests.budgeting.conftest import to_phase, with_projects

from cocity.budgeting import selectors, services
from cocity.budgeting.models import Ballot, Envelope, Idea, Result, VoterMark
from cocity.core.errors import Conflict, DomainError, NotAllowed
from cocity.core.models import AuditEntry, Notification

pytestmark = pytest.mark.django_db


def test_phase_follows_the_dates_and_an_official_can_set_it(budget: dict[str, Any]) -> None:
    process = budget["process"]
    assert process.phase() == "ideas"
    assert [t["phase"] for t in process.timeline()] == [
        "ideas",
        "review",
        "voting",
        "tally",
        "results",
    ]
    to_phase(process, "review", budget["users"]["official"])
    process.refresh_from_db()
    assert process.phase() == "review"
    assert AuditEntry.objects.filter(action="budget.phase_set").exists()
    with pytest.raises(NotAllowed):
        services.process_set_phase(
            actor=budget["users"]["resident"], process=process, phase="voting"
        )


def test_rules_and_budgets_freeze_once_voting_opens(budget: dict[str, Any]) -> None:
    official = budget["users"]["official"]
    process = budget["process"]
    services.process_update(actor=official, process=process, rule="greedy")
    to_phase(process, "voting", official)
    with pytest.raises(Conflict):
        services.process_update(actor=official, process=process, rule="phragmen")
    with pytest.raises(Conflict):
        services.envelope_set_amount(actor=official, envelope=budget["envelopes"]["city"], amount=5)
    with pytest.raises(Conflict):
        services.process_set_phase(actor=official, process=process, phase="ideas")
    process.refresh_from_db()
    assert process.rule == "greedy"
    assert Envelope.objects.get(slug="city").amount == 100
    # texts may still change
    services.process_update(actor=official, process=process, description="Now voting.")


def test_split_by_population_and_by_need(budget: dict[str, Any]) -> None:
    official = budget["users"]["official"]
    amounts = services.envelopes_split(
        actor=official, process=budget["process"], total=3000, method="population"
    )
    assert amounts == {"n1": 1000, "n2": 2000}  # populations 1000 and 2000
    assert Envelope.objects.get(slug="n1").allocation == "population"
    # no open reports: the need-weighted split is the population split
    assert services.envelopes_split(
        actor=official, process=budget["process"], total=3000, method="need"
    ) == {"n1": 1000, "n2": 2000}
    with pytest.raises(DomainError):
        services.envelopes_split(actor=official, process=budget["process"], total=0, method="need")


def test_ideas_only_in_the_ideas_phase_and_review_needs_cost_or_reasons(
    budget: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    resident, official = budget["users"]["resident"], budget["users"]["official"]
    env = budget["envelopes"]["n1"]
    idea = services.idea_submit(
        author=resident, envelope=env, title="Benches", body="In the square."
    )
    with pytest.raises(NotAllowed):
        services.idea_review(actor=resident, idea=idea, accept=True, cost=10)
    with pytest.raises(DomainError):
        services.idea_review(actor=official, idea=idea, accept=True, cost=None)
    with pytest.raises(DomainError):
        services.idea_review(actor=official, idea=idea, accept=True, cost=51)  # over the envelope
    with pytest.raises(DomainError):
        services.idea_review(actor=official, idea=idea, accept=False, cost=None, reasons=" ")
    idea.refresh_from_db()
    assert idea.status == Idea.Status.SUBMITTED  # failed reviews changed nothing
    assert not Notification.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.idea_review(
            actor=official, idea=idea, accept=False, cost=None, reasons="Private land."
        )
    idea.refresh_from_db()
    assert (idea.status, idea.reasons) == ("rejected", "Private land.")
    note = Notification.objects.get(recipient=resident)
    assert note.message == "Your idea “Benches” is not on the ballot: Private land."
    with translation.override("es"):
        assert note.message == "Tu idea «Benches» no está en la papeleta: Private land."
    to_phase(budget["process"], "review", official)
    with pytest.raises(Conflict):
        services.idea_submit(author=resident, envelope=env, title="Late", body="Too late.")


def test_a_ballot_is_cast_once_and_not_linked_to_the_voter(budget: dict[str, Any]) -> None:
    ideas = with_projects(budget, {"A": 60, "B": 30, "C": 30})
    official, resident = budget["users"]["official"], budget["users"]["resident"]
    env = budget["envelopes"]["city"]
    choice = {str(ideas["A"].pk): 1}
    with pytest.raises(Conflict):  # still in review
        services.ballot_cast(user=resident, envelope=env, choices=choice)
    to_phase(budget["process"], "voting", official)
    ballot = services.ballot_cast(user=resident, envelope=env, choices=choice)
    assert len(ballot.receipt) == 14
    assert selectors.receipt_find(ballot.receipt.lower()) == ballot
    with pytest.raises(Conflict):
        services.ballot_cast(user=resident, envelope=env, choices=choice)
    assert Ballot.objects.count() == 1
    assert VoterMark.objects.count() == 1
    # nothing in the ballot row names the voter
    fields = {f.name for f in Ballot._meta.get_fields()}
    assert fields == {"id", "envelope", "choices", "receipt", "channel"}
    mark = VoterMark.objects.get()
    assert mark.voter_hash == services.voter_hash(env, resident)
    # keyed: not the plain hash anyone could compute from the account number
    assert mark.voter_hash != hashlib.sha256(f"{env.pk}:{resident.pk}".encode()).hexdigest()
    with pytest.raises(IntegrityError), transaction.atomic():
        VoterMark.objects.create(envelope=env, voter_hash=mark.voter_hash)


@pytest.mark.parametrize(
    ("kind", "choices", "message"),
    [
        ("approval", {"A": 1, "B": 1, "C": 1}, "at most 2 projects"),
        ("approval", {}, "at least one"),
        ("knapsack", {"A": 1, "B": 1, "C": 1}, "cost more than the budget"),
        ("cumulative", {"A": 8, "B": 3}, "at most 10 points"),
        ("cumulative", {"A": -1}, "not negative"),
    ],
)
def test_invalid_ballots_are_refused_and_change_nothing(
    budget: dict[str, Any], kind: str, choices: dict[str, int], message: str
) -> None:
    official = budget["users"]["official"]
    services.process_update(actor=official, process=budget["process"], ballot_kind=kind)
    ideas = with_projects(budget, {"A": 60, "B": 30, "C": 30})
    to_phase(budget["process"], "voting", official)
    env = Envelope.objects.select_related("process").get(slug="city")
    with pytest.raises(DomainError) as exc:
        services.ballot_cast(
            user=budget["users"]["resident"],
            envelope=env,
            choices={str(ideas[k].pk): v for k, v in choices.items()},
        )
    assert message in exc.value.message
    assert not Ballot.objects.exists()
    assert not VoterMark.objects.exists()


def test_district_budgets_are_for_their_residents(budget: dict[str, Any]) -> None:
    resident = budget["users"]["resident"]
    resident.home_area = budget["areas"]["n2"]
    resident.save()
    official = budget["users"]["official"]
    env = budget["envelopes"]["n1"]
    idea = services.idea_submit(author=official, envelope=env, title="X", body="Y")
    services.idea_review(actor=official, idea=idea, accept=True, cost=10)
    to_phase(budget["process"], "voting", official)
    with pytest.raises(NotAllowed):
        services.ballot_cast(user=resident, envelope=env, choices={str(idea.pk): 1})
    assert not VoterMark.objects.exists()


def test_turnout_is_ballots_over_the_district_population(budget: dict[str, Any]) -> None:
    from cocity.budgeting.templatetags.budgeting import turnout

    official = budget["users"]["official"]
    env = budget["envelopes"]["n1"]  # population 1000
    idea = services.idea_submit(author=official, envelope=env, title="X", body="Y")
    services.idea_review(actor=official, idea=idea, accept=True, cost=10)
    to_phase(budget["process"], "voting", official)
    services.ballot_cast(user=budget["users"]["resident"], envelope=env, choices={str(idea.pk): 1})
    rows = {e.slug: e for e in selectors.envelopes(budget["process"])}
    assert (rows["n1"].n_ballots, rows["n2"].n_ballots, rows["city"].n_ballots) == (1, None, None)
    assert turnout(rows["n1"]) == pytest.approx(0.1)
    assert turnout(rows["city"]) is None  # city-wide: no district population
    client = Client()
    client.cookies["django_language"] = "es"
    page = client.get(f"/budgets/{budget['process'].slug}/").content.decode()
    assert "1 papeleta emitida (0,1% de los vecinos)" in page


def _vote(budget: dict[str, Any], ballots: list[list[str]], ideas: dict[str, Idea]) -> None:
    from cocity.core import services as core

    env = budget["envelopes"]["city"]
    for i, chosen in enumerate(ballots):
        voter = core.user_create(email=f"v{i}@example.org", password="pw-12345-long")
        services.ballot_cast(
            user=voter, envelope=env, choices={str(ideas[k].pk): 1 for k in chosen}
        )


def test_tally_stores_winners_hash_and_explanations(budget: dict[str, Any]) -> None:
    # budget 100, 20 voters: A (60) is liked by 8, B and C (30 each) by 6 others each. Greedy
    # takes A then B; under Equal Shares A's 8 voters hold 8/20 of 100 < 60 (and even with
    # Add1, once they could pay for A, A, B and C would overspend), so B and C win.
    ideas = with_projects(budget, {"A": 60, "B": 30, "C": 30})
    official = budget["users"]["official"]
    process = budget["process"]
    to_phase(process, "voting", official)
    _vote(budget, [["A"]] * 8 + [["B"]] * 6 + [["C"]] * 6, ideas)
    env = budget["envelopes"]["city"]
    with pytest.raises(Conflict):
        services.envelope_tally(actor=official, envelope=env)
    to_phase(process, "tally", official)
    with pytest.raises(NotAllowed):
        services.envelope_tally(actor=budget["users"]["resident"], envelope=env)
    result = services.envelope_tally(actor=official, envelope=env)
    a, b, c = (str(ideas[k].pk) for k in "ABC")
    assert sorted(result.winners) == sorted([b, c])
    assert result.greedy_winners == [a, b]
    assert result.votes == {a: 8, b: 6, c: 6}
    assert result.spent == 60
    assert result.n_ballots == 20
    assert a in result.explanations
    assert not result.explanations[a]["won"]
    assert len(result.result_sha256) == 64
    assert result.options["completion"] == "add1"
    entry = AuditEntry.objects.get(action="budget.tallied")
    assert entry.data["result_sha256"] == result.result_sha256
    # a second tally gives the same result and replaces the first
    again = services.envelope_tally(actor=official, envelope=env)
    assert again.result_sha256 == result.result_sha256
    assert Result.objects.count() == 1


def test_every_budget_audit_entry_reads_as_a_sentence(budget: dict[str, Any]) -> None:
    from cocity.core.audit_text import audit_sentence

    official = budget["users"]["official"]
    services.envelope_set_amount(actor=official, envelope=budget["envelopes"]["city"], amount=100)
    services.envelopes_split(actor=official, process=budget["process"], total=100, method="need")
    services.process_update(actor=official, process=budget["process"], description="New.")
    ideas = with_projects(budget, {"A": 60})
    to_phase(budget["process"], "voting", official)
    _vote(budget, [["A"]], ideas)
    to_phase(budget["process"], "tally", official)
    services.process_tally(actor=official, process=budget["process"])
    entries = AuditEntry.objects.filter(action__startswith="budget.")
    actions = set(entries.values_list("action", flat=True))
    assert len(actions) == 9
    for entry in entries:
        sentence = audit_sentence(entry.action, entry.object_id, entry.data)
        assert sentence != entry.action, entry.action
    tallied = entries.get(action="budget.tallied")
    assert audit_sentence(tallied.action, tallied.object_id, tallied.data).startswith(
        "Budget “city” of process “pb-2027” was counted (ballots: 1; result "
    )
