"""Fixtures of the investment tests: an open matching call with two campaigns, built through
the services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cocity.investment import services


@pytest.fixture
def invest(city: dict[str, Any]) -> dict[str, Any]:
    official = city["users"]["official"]
    now = timezone.now()
    call = services.call_create(
        actor=official,
        slug="fund",
        title="Matchfund",
        sponsor=city["organisation"],
        rule={"kind": "fixed", "pot": 10_000, "ratio": "1", "cap": 6_000},
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=5),
    )
    campaigns = [
        services.campaign_create(
            actor=official,
            slug=slug,
            title=slug.title(),
            organisation=city["organisation"],
            call=call,
            goal_minimum=minimum,
            goal_optimum=minimum * 2,
            deadline=call.closes_at,
        )
        for slug, minimum in (("benches", 1_000), ("kitchen", 50_000))
    ]
    return {"call": call, "campaigns": campaigns, **city}
