from __future__ import annotations

import pytest
from django.test import Client

from cocity.budgeting.models import (
    Ballot,
    ImplementationProject,
    PaperSheet,
    Process,
    Result,
    VoterMark,
    VotingCode,
)
from cocity.budgeting.seeders import seed_budgeting
from cocity.core.models import User
from cocity.core.seeders import seed_core
from cocity.core.seeding import SeedContext, seeders

pytestmark = pytest.mark.django_db


def test_demo_has_a_counted_three_district_process_and_one_open_for_voting() -> None:
    names = [s.name for s in seeders()]
    assert names.index("needs") < names.index("budgeting")
    ctx = SeedContext(log=lambda _m: None)
    seed_core(ctx)
    seed_budgeting(ctx)
    done = Process.objects.get(slug="budget-2026")
    assert done.phase() == "implementation"
    assert done.envelopes.count() == 3
    assert sum(e.amount for e in done.envelopes.all()) == 300000
    assert Result.objects.filter(envelope__process=done).count() == 3
    n = Ballot.objects.filter(envelope__process=done).count()
    assert 2850 <= n <= 3150
    by_channel = {
        c: Ballot.objects.filter(envelope__process=done, channel=c).count()
        for c in ("online", "code", "paper")
    }
    assert by_channel["code"] == 270
    assert by_channel["paper"] == 120
    sheets = PaperSheet.objects.filter(envelope__process=done)
    assert sheets.filter(status="counted").count() == 120
    assert sheets.filter(resolved_by__isnull=False).count() == 6  # mismatches resolved
    assert all(s.first_by_id != s.second_by_id for s in sheets)
    assert VotingCode.objects.filter(envelope__process=done, spent_at__isnull=False).count() == 270
    assert VoterMark.objects.filter(envelope__process=done).count() == n
    assert sum(r.n_ballots for r in Result.objects.filter(envelope__process=done)) == n
    for result in Result.objects.filter(envelope__process=done):  # audited, and tracked
        assert result.ejr["checked"]
        tracked = ImplementationProject.objects.filter(idea__envelope=result.envelope)
        assert {str(t.idea_id) for t in tracked} == set(result.winners)
        assert tracked.filter(status="done").count() == 1
    running = Process.objects.get(slug="budget-2027")
    assert running.phase() == "voting"
    for process in (done, running):  # the demo reads in both languages
        assert process.titles.get("es")
        assert process.descriptions.get("es")
    assert not Result.objects.filter(envelope__process=running).exists()
    organiser = Client()
    organiser.force_login(User.objects.get(email="organiser@demo.cocity.city"))
    assert organiser.get("/budgets/budget-2027/city/assisted/").status_code == 200
    # the demo resident can vote in the running process
    client = Client()
    client.force_login(User.objects.get(email="resident@demo.cocity.city"))
    page = client.get("/budgets/budget-2027/city/vote/").content.decode()
    assert "Night bus on weekends" in page
    assert "Cast my ballot" in page
    seed_budgeting(ctx)  # a second run adds nothing
    assert Process.objects.count() == 2
