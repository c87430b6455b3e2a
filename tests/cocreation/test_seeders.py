from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from cocity.cocreation import selectors
from cocity.cocreation.models import Challenge, Initiative, Stage

pytestmark = pytest.mark.django_db


def test_the_demo_has_three_challenges_with_their_histories(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cocity.needs import seeders

    monkeypatch.setattr(seeders, "REPORTS", 600)
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "seeded cocreation" in out.getvalue()
    lighting, elderly, air = Challenge.objects.order_by("pk")
    assert lighting.organisation is None
    assert 1 <= lighting.reports.count() <= 6
    assert elderly.organisation is not None
    assert elderly.organisation.slug == "vecinos-olivos"
    pilot = Initiative.objects.get(stage=Stage.PILOT, proposal__challenge=lighting)
    assert pilot.proposal.challenge == lighting
    assert pilot.proposal.version == 2
    assert pilot.proposal.coauthors.count() == 1
    pilot = selectors.initiative_get(pilot.pk)
    indicators = list(pilot.indicators.all())
    assert len(indicators) == 2
    assert all(ind.measurements.count() == 4 for ind in indicators)
    assert selectors.initiative_progress(pilot) > 0
    kinds = {e.kind for e in selectors.initiative_timeline(pilot)}
    assert kinds == {
        "report",
        "challenge",
        "proposal",
        "initiative",
        "decision",
        "milestone",
        "measurement",
    }
    # the story reads in order: every report before the challenge, the challenge before ideas
    events = selectors.initiative_timeline(pilot)
    order = [e.kind for e in events]
    assert order.index("challenge") > max(i for i, k in enumerate(order) if k == "report")
    days = [timezone.localdate(e.at) for e in events]
    assert days == sorted(days)
    # air quality near schools: an accepted amendment, a workshop that shaped the proposal, the
    # survey with each gate, a pilot whose PM2.5 values come from the district's sensors
    assert air.organisation is None
    school = Initiative.objects.get(proposal__challenge=air)
    assert school.stage == Stage.PILOT
    assert school.proposal.amendments.filter(status="accepted").count() == 1
    workshop = air.meetings.get(minutes__gt="")
    assert workshop.organisation is not None
    assert list(workshop.proposals.all()) == [school.proposal]
    assert workshop.registrations.filter(attended=True).count() == 4
    ahead = air.meetings.exclude(pk=workshop.pk).get()
    assert ahead.registrations.filter(waiting=True).count() == 1  # capacity 3, 4 registered
    results = selectors.survey_results(school)
    assert [r.answers for r in results.values()] == [4, 4]
    pm = school.indicators.get(source="sensors")
    assert pm.measurements.count() >= 10
    kinds = {e.kind for e in selectors.initiative_timeline(selectors.initiative_get(school.pk))}
    assert {"meeting", "amendment", "measurement", "milestone"} <= kinds
