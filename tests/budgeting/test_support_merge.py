"""The support round and its shortlist, merging similar ideas only with their authors' consent
(supports moved visibly), funded projects tracked through implementation, and money shown
with the city's currency."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from cocity.budgeting import services
from cocity.budgeting.models import (
    Idea,
    ImplementationProject,
    MergeProposal,
    Process,
    Support,
)
from cocity.core import services as core
from cocity.core.errors import Conflict, DomainError, NotAllowed
from cocity.core.models import AuditEntry, Notification

from .conftest import to_phase, with_projects


def _people(n: int) -> list[Any]:
    return [core.user_create(email=f"p{i}@example.org", password="pw-12345-long") for i in range(n)]


def test_shortlist_keeps_the_most_supported_and_ties() -> None:
    supports = {1: 5, 2: 3, 3: 3, 4: 1, 5: 0}
    assert services.shortlist_keep(supports, 2, 0) == ([1, 2, 3], [4, 5])  # 2 and 3 tie
    assert services.shortlist_keep(supports, 0, 2) == ([1, 2, 3], [4, 5])
    assert services.shortlist_keep(supports, 1, 0) == ([1], [2, 3, 4, 5])
    assert services.shortlist_keep(supports, 0, 0) == ([1, 2, 3, 4, 5], [])


def test_support_round_publishes_a_shortlist(
    client: Client, budget: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    official, process = budget["users"]["official"], budget["process"]
    ideas = with_projects(budget, {"A": 30, "B": 30, "C": 30})
    Process.objects.filter(pk=process.pk).update(
        shortlist_size=2, support_opens_at=timezone.now() + timedelta(days=12)
    )
    people = _people(3)
    with pytest.raises(Conflict):  # the round is not open yet
        services.idea_support(user=people[0], idea=ideas["A"])
    to_phase(process, "support", official)
    for person in people:
        services.idea_support(user=person, idea=ideas["A"])
    services.idea_support(user=people[0], idea=ideas["B"])
    assert services.idea_support(user=people[0], idea=ideas["A"], support=False) == 2
    # without JavaScript: the page's buttons post a support
    client.force_login(budget["users"]["resident"])
    page = client.get("/budgets/pb-2027/city/").content.decode()
    assert "Support: C" in page
    client.post(f"/budgets/pb-2027/ideas/{ideas['C'].pk}/support/", {"action": "support"})
    client.post(f"/budgets/pb-2027/ideas/{ideas['C'].pk}/support/", {"action": "support"})
    assert Support.objects.filter(idea=ideas["C"]).count() == 1  # once per person
    services.idea_support(user=people[1], idea=ideas["C"])  # C: 2, A: 2, B: 1
    with pytest.raises(NotAllowed):
        services.shortlist_publish(actor=budget["users"]["resident"], process=process)
    with django_capture_on_commit_callbacks(execute=True):
        kept = services.shortlist_publish(actor=official, process=process)
    assert kept["city"] == {str(ideas["A"].pk): 2, str(ideas["C"].pk): 2}
    assert Idea.objects.get(pk=ideas["B"].pk).status == Idea.Status.NOT_SHORTLISTED
    assert Notification.objects.filter(verb="budget.idea_not_shortlisted").count() == 1
    entry = AuditEntry.objects.get(action="budget.shortlist_published")
    assert entry.data["supports"][str(ideas["B"].pk)] == 1
    with pytest.raises(Conflict):  # closed once published
        services.idea_support(user=people[2], idea=ideas["C"])
    page = Client().get("/budgets/pb-2027/city/").content.decode()
    assert "not enough support in the support round (1 support)" in page
    to_phase(process, "voting", official)
    ballot = client.get("/budgets/pb-2027/city/vote/").content.decode()
    assert ">A<" in ballot
    assert ">B<" not in ballot


def test_merge_needs_every_authors_consent_and_moves_supports_visibly(
    client: Client, budget: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    official = budget["users"]["official"]
    env = budget["envelopes"]["city"]
    alice, bob, supporter, both = _people(4)
    a = services.idea_submit(author=alice, envelope=env, title="Shade trees", body="Trees.")
    b = services.idea_submit(author=bob, envelope=env, title="More trees", body="Also trees.")
    c = services.idea_submit(author=bob, envelope=env, title="Trees in the square", body="Sq.")
    Support.objects.create(idea=b, user=supporter)
    Support.objects.create(idea=b, user=both)
    Support.objects.create(idea=a, user=both)
    with pytest.raises(NotAllowed):
        services.merge_propose(actor=alice, target=a, others=[b], reason="Same")
    with pytest.raises(DomainError):
        services.merge_propose(actor=official, target=a, others=[b], reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        first = services.merge_propose(
            actor=official, target=a, others=[b], reason="Both ask for trees."
        )
    assert Notification.objects.filter(verb="budget.merge_proposed").count() == 2
    with pytest.raises(Conflict):  # b is already in an open proposal
        services.merge_propose(actor=official, target=c, others=[b], reason="Trees.")
    services.merge_answer(user=alice, proposal=first, accept=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.merge_answer(user=bob, proposal=first, accept=False)
    first.refresh_from_db()
    assert first.status == MergeProposal.Status.DECLINED
    assert Idea.objects.get(pk=b.pk).status == Idea.Status.SUBMITTED  # nothing moved
    assert Support.objects.filter(idea=b).count() == 2
    # a second proposal, both agree: b and c join a; supports move, the overlap counts once
    second = services.merge_propose(
        actor=official, target=a, others=[b, c], reason="All three ask for trees."
    )
    with pytest.raises(NotAllowed):  # only authors answer
        services.merge_answer(user=supporter, proposal=second, accept=True)
    services.merge_answer(user=bob, proposal=second, accept=True)  # for both of his ideas
    assert Idea.objects.get(pk=b.pk).status == Idea.Status.SUBMITTED  # alice has not answered
    with django_capture_on_commit_callbacks(execute=True):
        services.merge_answer(user=alice, proposal=second, accept=True)
    second.refresh_from_db()
    assert second.status == MergeProposal.Status.MERGED
    assert second.moved == {str(b.pk): 1, str(c.pk): 0}
    moved = Support.objects.get(idea=a, user=supporter)
    assert moved.moved_from_id == b.pk
    assert Support.objects.filter(idea=a).count() == 2
    assert Idea.objects.get(pk=b.pk).merged_into_id == a.pk
    with pytest.raises(Conflict):  # a merged idea cannot be put back on the ballot
        services.idea_review(actor=official, idea=b, accept=True, cost=10)
    assert Notification.objects.filter(verb="budget.support_moved", recipient=supporter).exists()
    page = Client().get(f"/budgets/pb-2027/merges/{second.pk}/").content.decode()
    assert "All three ask for trees." in page
    assert "Supports moved" in page
    assert "merged into “Shade trees”" in Client().get("/budgets/pb-2027/city/").content.decode()
    # the author answers on the page (no JavaScript)
    third = services.merge_propose(
        actor=official,
        target=services.idea_submit(author=alice, envelope=env, title="X", body="x"),
        others=[services.idea_submit(author=bob, envelope=env, title="Y", body="y")],
        reason="Alike.",
    )
    client.force_login(bob)
    assert "I agree" in client.get(f"/budgets/pb-2027/merges/{third.pk}/").content.decode()
    client.post(f"/budgets/pb-2027/merges/{third.pk}/", {"action": "decline"})
    assert MergeProposal.objects.get(pk=third.pk).status == MergeProposal.Status.DECLINED


@override_settings(COCITY_CURRENCY="EUR")
def test_winners_become_tracked_projects_and_money_has_its_currency(
    client: Client, budget: dict[str, Any]
) -> None:
    official, process = budget["users"]["official"], budget["process"]
    env = budget["envelopes"]["city"]
    ideas = with_projects(budget, {"Trees": 60, "Benches": 30, "Lights": 30})
    to_phase(process, "voting", official)
    for person in _people(4):
        services.ballot_cast(user=person, envelope=env, choices={str(ideas["Trees"].pk): 1})
    to_phase(process, "tally", official)
    services.envelope_tally(actor=official, envelope=env)
    tracked = ImplementationProject.objects.get()
    assert tracked.idea_id == ideas["Trees"].pk
    assert tracked.status == "planned"
    with pytest.raises(NotAllowed):
        services.implementation_update(
            actor=budget["users"]["resident"], project=tracked, status="done"
        )
    client.force_login(official)
    res = client.post(
        f"/budgets/pb-2027/ideas/{ideas['Trees'].pk}/progress/",
        {"status": "in_progress", "note": "Planting in March."},
    )
    assert res.status_code == 302
    assert ImplementationProject.objects.get().status == "in_progress"
    assert (
        "Planting in March."
        in client.get(f"/budgets/pb-2027/ideas/{ideas['Trees'].pk}/").content.decode()
    )
    services.envelope_tally(actor=official, envelope=env)  # a recount keeps the tracking
    assert ImplementationProject.objects.get().status == "in_progress"
    results = Client().get("/budgets/pb-2027/city/results/").content.decode()
    assert "Funded projects and their progress" in results
    assert "In progress" in results
    assert "Spent €60 of €100" in results
    detail = Client().get("/budgets/pb-2027/").content.decode()
    assert "In progress" in detail
    es = Client()
    es.cookies["django_language"] = "es"
    assert (
        "Gastado 60\u00a0€ de 100\u00a0€"
        in es.get("/budgets/pb-2027/city/results/").content.decode()
    )
    with override_settings(COCITY_CURRENCY="USD"):
        assert "$60" in Client().get("/budgets/pb-2027/city/results/").content.decode()
