"""Fixtures of the budgeting tests: a process in its ideas phase with a city-wide envelope and
two district envelopes, built through the services; helpers move it through its phases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cocity.budgeting import services
from cocity.budgeting.models import Process


def dates(days_into_ideas: int = 1) -> dict[str, Any]:
    start = timezone.now() - timedelta(days=days_into_ideas)
    day = timedelta(days=1)
    return {
        "ideas_opens_at": start,
        "review_opens_at": start + 10 * day,
        "voting_opens_at": start + 20 * day,
        "voting_closes_at": start + 30 * day,
        "results_at": start + 40 * day,
    }


@pytest.fixture
def budget(city: dict[str, Any]) -> dict[str, Any]:
    official = city["users"]["official"]
    process = services.process_create(
        actor=official,
        slug="pb-2027",
        title="Participatory budget 2027",
        titles={"es": "Presupuesto participativo 2027"},
        description="Decide how to spend part of the budget.",
        max_choices=2,
        **dates(),
    )
    city_env = services.envelope_create(
        actor=official,
        process=process,
        slug="city",
        name="Whole city",
        amount=100,
        names={"es": "Toda la ciudad"},
    )
    n1 = services.envelope_create(
        actor=official,
        process=process,
        slug="n1",
        name="North One",
        amount=50,
        area=city["areas"]["n1"],
    )
    n2 = services.envelope_create(
        actor=official,
        process=process,
        slug="n2",
        name="North Two",
        amount=50,
        area=city["areas"]["n2"],
    )
    return {**city, "process": process, "envelopes": {"city": city_env, "n1": n1, "n2": n2}}


def to_phase(process: Process, phase: str, actor: Any) -> Process:
    return services.process_set_phase(actor=actor, process=process, phase=phase)


def with_projects(budget: dict[str, Any], costs: dict[str, int]) -> dict[str, Any]:
    """Ideas for the city envelope, each accepted at its cost; the process in review after."""
    resident = budget["users"]["resident"]
    official = budget["users"]["official"]
    env = budget["envelopes"]["city"]
    ideas = {}
    for title in costs:
        ideas[title] = services.idea_submit(
            author=resident, envelope=env, title=title, body="Because."
        )
    to_phase(budget["process"], "review", official)
    for title, cost in costs.items():
        ideas[title] = services.idea_review(
            actor=official, idea=ideas[title], accept=True, cost=cost
        )
    return ideas
