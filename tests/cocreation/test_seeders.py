from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from cocity.cocreation import selectors
from cocity.cocreation.models import Challenge, Initiative, Stage

pytestmark = pytest.mark.django_db


def test_the_demo_has_two_challenges_and_an_initiative_in_pilot(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cocity.needs import seeders

    monkeypatch.setattr(seeders, "REPORTS", 600)
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "seeded cocreation" in out.getvalue()
    lighting, elderly = Challenge.objects.order_by("pk")
    assert lighting.organisation is None
    assert 1 <= lighting.reports.count() <= 6
    assert elderly.organisation is not None
    assert elderly.organisation.slug == "vecinos-olivos"
    pilot = Initiative.objects.get(stage=Stage.PILOT)
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
