from __future__ import annotations

import pytest

from cocity.core.seeders import seed_core
from cocity.core.seeding import SeedContext, seeders
from cocity.investment.models import Campaign, MatchingCall, Offering, Signup
from cocity.investment.seeders import seed_investment

pytestmark = pytest.mark.django_db


@pytest.mark.slow  # the core seeder builds the demo city's districts and places
def test_demo_has_a_computed_call_a_volunteer_campaign_and_an_allocated_offering() -> None:
    names = [s.name for s in seeders()]
    assert names.index("budgeting") < names.index("investment")
    assert names.index("cocreation") < names.index("investment")
    ctx = SeedContext(log=lambda _m: None)
    seed_core(ctx)
    seed_investment(ctx)
    call = MatchingCall.objects.get()
    assert call.status == MatchingCall.Status.COMPUTED
    statuses = sorted(call.campaigns.values_list("status", flat=True))
    assert statuses.count(Campaign.Status.FAILED) == 1
    assert statuses.count(Campaign.Status.SUCCEEDED) == 4
    assert call.result["spent"] == call.rule["pot"]
    assert Signup.objects.filter(role__campaign__slug="trees-2026").count() > 0
    offering = Offering.objects.get()
    assert offering.allocation["oversubscribed"]
    assert sum(offering.allocation["units"].values()) == offering.units
