"""Fixtures of the needs tests: the shared ``city`` plus service categories and an API key."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest

# centres of the four districts of the ``city`` fixture (0.01° squares)
N1 = (40.965, -5.695)
N2 = (40.965, -5.685)
S1 = (40.955, -5.695)
S2 = (40.955, -5.685)
OUTSIDE = (41.5, -5.0)


@pytest.fixture(autouse=True)
def _small_area_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    """Build the point→area index with a coarse raster: answers are identical at any grid size
    (border cells fall back to exact tests), and each test's fresh city indexes in milliseconds
    instead of about a second."""
    from cocity.compute.geo import AreaIndex
    from cocity.core import selectors

    monkeypatch.setattr(selectors, "AreaIndex", functools.partial(AreaIndex, grid=16))
    selectors.area_index_reset()


@pytest.fixture
def needs(city: dict[str, Any]) -> dict[str, Any]:
    from cocity.needs import services
    from cocity.needs.defaults import add_response_templates
    from cocity.needs.models import ResponseTemplate

    add_response_templates(ResponseTemplate)  # gone when a transactional test flushed the tables

    depts = city["departments"]
    pothole = services.category_create(
        code="pothole",
        name="Pothole",
        department=depts["roads"],
        expected_days=10,
        description="A hole in the road",
        group="Streets",
        keywords="road,hole",
        attributes=[
            {
                "code": "size",
                "datatype": "singlevaluelist",
                "required": True,
                "description": "How big is it?",
                "values": [{"key": "small", "name": "Small"}, {"key": "large", "name": "Large"}],
            },
            {"code": "depth_cm", "datatype": "number", "required": False},
            {
                "code": "hazards",
                "datatype": "multivaluelist",
                "values": [
                    {"key": "water", "name": "Water"},
                    {"key": "traffic", "name": "Traffic"},
                ],
            },
            {"code": "seen", "datatype": "datetime"},
            {"code": "note", "datatype": "text"},
            {"code": "nearest", "datatype": "string"},
        ],
    )
    tree = services.category_create(
        code="fallen-tree", name="Fallen tree", department=depts["parks"], expected_days=3
    )
    _, key = services.open311_key_create(name="test app")
    return {
        **city,
        "categories": {"pothole": pothole, "tree": tree},
        "api_key": key,
        "points": {"n1": N1, "n2": N2, "s1": S1, "s2": S2, "outside": OUTSIDE},
    }


@pytest.fixture
def open311_form(needs: dict[str, Any]) -> dict[str, str]:
    """A valid Open311 ``POST requests`` form: a fallen tree in district s1 (parks)."""
    return {
        "api_key": needs["api_key"],
        "service_code": "fallen-tree",
        "lat": "40.955",
        "long": "-5.695",
        "description": "Tree on the road",
    }


@pytest.fixture
def submit(needs: dict[str, Any]) -> Callable[..., Any]:
    """``submit(category_key, where=(lat, lon), **kwargs)`` files a report through the service."""
    from cocity.needs import services

    def do(category: str = "pothole", where: tuple[float, float] = N1, **kwargs: Any) -> Any:
        kwargs.setdefault("description", "Something is broken here")
        if category == "pothole":
            kwargs.setdefault("attributes", {"size": "small"})
        return services.report_submit(
            category=needs["categories"][category], lat=where[0], lon=where[1], **kwargs
        )

    return do
