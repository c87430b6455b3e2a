"""Fixtures of the equity tests: the small city of tests/conftest.py with reports filed and
answered through the needs services."""

from __future__ import annotations

import functools
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _small_area_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    """A coarse point→area raster (same answers, built in milliseconds)."""
    from cocity.compute.geo import AreaIndex
    from cocity.core import selectors

    monkeypatch.setattr(selectors, "AreaIndex", functools.partial(AreaIndex, grid=16))
    selectors.area_index_reset()


# a point inside each district of the test city (2 × 2 squares of 0.01°)
POINTS = {
    "n1": (40.965, -5.695),
    "n2": (40.965, -5.685),
    "s1": (40.955, -5.695),
    "s2": (40.955, -5.685),
}


@pytest.fixture
def reported(city: dict[str, Any]) -> dict[str, Any]:
    """Reports: three in n1 (one fixed), one in s2 (open), none in n2 and s1."""
    from cocity.needs import services

    pothole = services.category_create(
        code="pothole", name="Pothole", department=city["departments"]["roads"], expected_days=10
    )
    resident = city["users"]["resident"]
    reports = {}
    for code, n in (("n1", 3), ("s2", 1)):
        lat, lon = POINTS[code]
        reports[code] = [
            services.report_submit(
                category=pothole, description="Hole", lat=lat, lon=lon, reporter=resident
            )
            for _ in range(n)
        ]
    official = city["users"]["official"]
    fixed = reports["n1"][0]
    services.report_change_status(report=fixed, status="acknowledged", actor=official)
    services.report_change_status(report=fixed, status="fixed", actor=official)
    return {**city, "reports": reports, "category": pothole}
