"""A funded participatory-budget project linked to an initiative: its win and its later status
changes on the initiative's timeline, and the challenge's followers told of the link."""

from __future__ import annotations

from typing import Any

from django.test import Client, override_settings
from tests.budgeting.conftest import budget, to_phase, with_projects  # noqa: F401 - fixture

from cocity.budgeting import services as budgeting
from cocity.budgeting.models import ImplementationProject
from cocity.cocreation import selectors, services
from cocity.cocreation.models import Challenge
from cocity.core import services as core
from cocity.core.models import Notification


@override_settings(COCITY_CURRENCY="EUR")
def test_a_linked_budget_win_is_on_the_timeline_and_followers_are_told(
    challenge: Challenge,
    budget: dict[str, Any],  # noqa: F811 - the imported fixture
    django_capture_on_commit_callbacks: Any,
) -> None:
    official, resident = budget["users"]["official"], budget["users"]["resident"]
    follower = core.user_create(email="follower@example.org", password="pw-12345-long")
    services.challenge_follow(challenge=challenge, user=follower)
    proposal = services.proposal_submit(
        author=resident, challenge=challenge, title="Solar lamps", body="One every 25 m."
    )
    initiative = services.initiative_create(proposal=proposal, actor=official)
    process, env = budget["process"], budget["envelopes"]["city"]
    ideas = with_projects(budget, {"Lamps": 60, "Benches": 50})
    to_phase(process, "voting", official)
    for i in range(3):
        voter = core.user_create(email=f"v{i}@example.org", password="pw-12345-long")
        budgeting.ballot_cast(user=voter, envelope=env, choices={str(ideas["Lamps"].pk): 1})
    to_phase(process, "tally", official)
    budgeting.envelope_tally(actor=official, envelope=env)
    tracked = ImplementationProject.objects.get(idea=ideas["Lamps"])
    assert not any(e.kind == "budget_win" for e in selectors.initiative_timeline(initiative))

    with django_capture_on_commit_callbacks(execute=True):
        budgeting.implementation_update(
            actor=official, project=tracked, status="planned", initiative=initiative
        )
    told = Notification.objects.filter(verb="cocreation.budget_win", recipient=follower)
    assert told.count() == 1
    assert not Notification.objects.filter(verb="cocreation.budget_win", recipient=official)
    # a later update that keeps the link tells no one again; only real status changes count
    with django_capture_on_commit_callbacks(execute=True):
        for status in ("in_progress", "in_progress", "done"):
            budgeting.implementation_update(
                actor=official, project=tracked, status=status, initiative=initiative
            )
    assert told.count() == 1

    events = selectors.initiative_timeline(initiative)
    win = [e for e in events if e.kind == "budget_win"]
    assert [(e.text, e.link) for e in win] == [("Lamps", "/budgets/pb-2027/city/results/")]
    assert win[0].detail == "Participatory budget 2027, Whole city: €60"
    changes = [e.detail for e in events if e.kind == "budget_status"]
    assert changes == ["In progress", "Done"]
    kinds = [e.kind for e in events]
    assert kinds.index("initiative") < kinds.index("budget_win") < kinds.index("budget_status")

    page = Client().get(f"/challenges/initiatives/{initiative.pk}/").content.decode()
    assert "Won in the participatory budget" in page
    assert 'href="/budgets/pb-2027/city/results/"' in page
    es = Client()
    es.cookies["django_language"] = "es"
    page = es.get(f"/challenges/initiatives/{initiative.pk}/").content.decode()
    assert "Ganó en el presupuesto participativo" in page
    assert "Presupuesto participativo 2027, Toda la ciudad: 60\u00a0€" in page
