"""Fixtures of the co-creation tests: reports in a district, and a challenge framed from them."""

from __future__ import annotations

from typing import Any

import pytest
from tests.needs.conftest import _small_area_grid, needs  # noqa: F401 - the shared fixtures

from cocity.cocreation import services
from cocity.cocreation.models import Challenge


@pytest.fixture
def reports(needs: dict[str, Any]) -> list[Any]:  # noqa: F811 - the imported fixture
    from cocity.needs import services as needs_services

    lat, lon = needs["points"]["n1"]
    return [
        needs_services.report_submit(
            category=needs["categories"]["pothole"],
            description=f"The street lamp {i} is out",
            lat=lat,
            lon=lon,
            attributes={"size": "small"},
            reporter=needs["users"]["resident"],
        )
        for i in range(3)
    ]


@pytest.fixture
def challenge(needs: dict[str, Any], reports: list[Any]) -> Challenge:  # noqa: F811
    return services.challenge_create(
        actor=needs["users"]["organisation_member"],
        title="Dark streets in North One",
        statement="Many street lamps are out; people avoid walking at night.",
        most_affected="Older residents and shift workers walking home.",
        reports=reports,
        organisation=needs["organisation"],
    )
