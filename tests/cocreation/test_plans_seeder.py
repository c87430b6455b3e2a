"""The demo's co-written plan: two versions, accepted amendments and the changes they caused."""

from __future__ import annotations

import io
from typing import Any

import pytest

from cocity.cocreation.models_plans import Amendment, Plan
from cocity.cocreation.plans import selectors
from cocity.cocreation.plans.seeders import seed_plans
from cocity.core import services as core_services
from cocity.core.models import Role
from cocity.core.seeding import SeedContext

pytestmark = pytest.mark.django_db


def test_the_demo_plan_has_two_versions_and_accepted_amendments(city: dict[str, Any]) -> None:
    org = city["organisation"]
    for email, role in [
        ("official@demo.cocity.city", Role.OFFICIAL),
        ("resident@demo.cocity.city", Role.RESIDENT),
        ("organiser@demo.cocity.city", Role.ORGANISATION_MEMBER),
        ("resident0001@demo.cocity.city", Role.RESIDENT),
        ("resident0002@demo.cocity.city", Role.RESIDENT),
    ]:
        core_services.user_create(
            email=email,
            password="pw-12345-long",
            role=role,
            display_name=email.split("@")[0],
            organisations=[org] if role == Role.ORGANISATION_MEMBER else None,
        )
    out = io.StringIO()
    seed_plans(SeedContext(log=out.write))
    plan = Plan.objects.get()
    assert plan.version == 2
    assert plan.versions.count() == 2
    statuses = sorted(Amendment.objects.values_list("status", "applied_in"), key=str)
    assert statuses == [("accepted", 2), ("accepted", 2), ("open", None), ("rejected", None)]
    changes = selectors.version_changes(plan.versions.get(number=2))
    changed = {c["heading"]: c for c in changes if c["changed"]}
    assert set(changed) == {"Trees and shade", "Rain water", "Quiet streets"}
    assert [len(changed[h]["amendments"]) for h in sorted(changed)] == [0, 1, 1]
    assert len(changed["Quiet streets"]["comments"]) == 1
    trees = plan.sections.get(heading="Trees and shade")
    groups = selectors.comment_groups(trees)
    assert groups["groups"][0]["size"] == 3  # the three about shade at bus stops
    assert groups["count"] == 3  # and the one about who looks after the trees, and the quote
    # moderators find the advert flagged; the followers heard of version 2
    assert [c.body[:12] for c in selectors.flagged_comments()] == ["Rain barrels"]
    assert selectors.plan_followers(plan).count() == 2
