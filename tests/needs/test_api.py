from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from cocity.needs import selectors, services
from cocity.needs.geo import h3_cell
from cocity.needs.models import Channel, Report, Status

pytestmark = pytest.mark.django_db

Submit = Callable[..., Report]


def auth(needs: dict[str, Any], role: str = "resident") -> dict[str, str]:
    token, _ = Token.objects.get_or_create(user=needs["users"][role])
    return {"HTTP_AUTHORIZATION": f"Token {token.key}"}


def test_categories(client: Client, needs: dict[str, Any]) -> None:
    res = client.get("/api/needs/categories/")
    assert res.status_code == 200
    assert {c["code"]: c["department"] for c in res.json()} == {
        "pothole": "roads",
        "fallen-tree": "parks",
    }


def test_submit_list_and_detail(client: Client, needs: dict[str, Any]) -> None:
    body = {
        "category": "fallen-tree",
        "description": "Branch on the path",
        "lat": 40.955,
        "lon": -5.685,
        "address": "Parque Sur",
    }
    assert client.post("/api/needs/reports/", body).status_code in (401, 403)
    res = client.post(
        "/api/needs/reports/",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="one",
        **auth(needs),
    )
    assert res.status_code == 201, res.content
    created = res.json()
    assert created["area"] == "s2"
    assert created["department"] == "parks"
    assert created["open311_status"] == "open"
    assert created["reporter"] == "Resident"
    assert created["h3_cell"] == h3_cell(40.955, -5.685)
    again = client.post(
        "/api/needs/reports/",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="one",
        **auth(needs),
    )
    assert again.json()["id"] == created["id"]
    report = Report.objects.get()
    assert report.channel == Channel.API
    services.report_change_status(
        report=report, status=Status.FIXED, actor=needs["users"]["admin"], note="Cleared"
    )
    services.report_add_note(report=report, actor=needs["users"]["admin"], text="x", public=False)
    detail = client.get(f"/api/needs/reports/{report.pk}/").json()
    assert [u["text"] for u in detail["updates"]] == ["Cleared"]
    listing = client.get("/api/needs/reports/", {"status": "closed", "area": "s2"}).json()
    assert [r["id"] for r in listing["results"]] == [report.pk]
    assert client.get("/api/needs/reports/", {"status": "open"}).json()["results"] == []


def test_submit_errors_are_problem_json(client: Client, needs: dict[str, Any]) -> None:
    res = client.post(
        "/api/needs/reports/",
        {"category": "pothole", "description": "Hole", "lat": 41.5, "lon": -5.0},
        content_type="application/json",
        **auth(needs),
    )
    assert res.status_code == 400
    assert res["Content-Type"] == "application/problem+json"
    assert res.json()["code"] == "outside_city"
    res = client.post(
        "/api/needs/reports/",
        {"category": "pothole", "lat": "x"},
        content_type="application/json",
        **auth(needs),
    )
    assert res.status_code == 400
    assert set(res.json()["errors"]) >= {"description", "lat", "lon"}
    assert Report.objects.count() == 0


def test_list_is_cheap(client: Client, needs: dict[str, Any], submit: Submit) -> None:
    for _ in range(6):
        submit(reporter=needs["users"]["resident"])
    with CaptureQueriesContext(connection) as queries:
        res = client.get("/api/needs/reports/")
    assert len(res.json()["results"]) == 6
    assert len(queries) <= 3
    # keyset pages: nothing counts the whole table
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)


def test_list_pages_follow_next_newest_first(
    client: Client, needs: dict[str, Any], submit: Submit
) -> None:
    filed = [submit().pk for _ in range(5)]
    # two reports filed in the same instant, across a page boundary, still come out once each
    same = Report.objects.get(pk=filed[2]).created_at
    Report.objects.filter(pk__in=filed[2:4]).update(created_at=same)
    seen: list[int] = []
    page = client.get("/api/needs/reports/", {"limit": 2}).json()
    assert page["previous"] is None
    while True:
        assert len(page["results"]) <= 2
        seen += [r["id"] for r in page["results"]]
        if page["next"] is None:
            break
        page = client.get(page["next"]).json()
    assert seen == sorted(filed, reverse=True)
    assert len(client.get("/api/needs/reports/", {"limit": 200}).json()["results"]) == 5
    assert client.get("/api/needs/reports/", {"limit": 201}).status_code == 400


def test_map_cells_count_every_point_in_the_box(needs: dict[str, Any]) -> None:
    """The cells chosen to narrow the scan never miss a point inside the viewport, even one
    whose cell's centre lies outside it."""
    rng = random.Random(3)
    category = needs["categories"]["tree"]
    west, south, east, north = -5.6983, 40.9517, -5.6861, 40.9683
    points = []
    for _ in range(300):
        # most near the edges, some just outside
        lat = rng.choice([south, north]) + rng.uniform(-0.0008, 0.0008)
        lon = rng.uniform(west - 0.0008, east + 0.0008)
        if rng.random() < 0.5:
            lat, lon = rng.uniform(south - 0.0008, north + 0.0008), rng.choice([west, east])
        points.append((lat, lon))
    Report.objects.bulk_create(
        Report(
            category=category,
            description="x",
            lat=lat,
            lon=lon,
            h3_cell=h3_cell(lat, lon),
            tracking_token=f"t{i}",
            created_at=timezone.now(),
            updated_at=timezone.now(),
        )
        for i, (lat, lon) in enumerate(points)
    )
    expected: dict[str, int] = {}
    for lat, lon in points:
        if south <= lat <= north and west <= lon <= east:
            expected[h3_cell(lat, lon)] = expected.get(h3_cell(lat, lon), 0) + 1
    found = selectors.report_cells(bbox=(west, south, east, north))
    assert {r["cell"]: r["count"] for r in found} == expected
    assert sum(expected.values()) > 100


@pytest.mark.parametrize("zone", ["Europe/Madrid", "UTC"])
def test_report_rows_are_what_the_declared_fields_give(
    needs: dict[str, Any], submit: Submit, zone: str
) -> None:
    """ReportSerializer writes its rows by hand for speed: the same as DRF's field by field."""
    from rest_framework import serializers

    from cocity.needs.api import ReportDetailSerializer, ReportSerializer

    admin = needs["users"]["admin"]
    original = submit(reporter=needs["users"]["resident"], address="Plaza 1")
    duplicate = submit(reporter=needs["users"]["resident"], anonymous=True)
    services.report_change_status(
        report=duplicate, status=Status.DUPLICATE, actor=admin, duplicate_of=original
    )
    services.report_set_priority(report=original, priority=4, actor=admin)
    nowhere = submit("tree")
    Report.objects.filter(pk=nowhere.pk).update(area=None, department=None, expected_at=None)
    with timezone.override(zone):
        for report in selectors.report_list():
            fast = ReportSerializer(report).data
            generic = serializers.ModelSerializer.to_representation(ReportSerializer(), report)
            assert fast == dict(generic)
            assert list(fast) == list(generic)
        detail = ReportDetailSerializer(selectors.report_get(duplicate.pk)).data
        assert detail["duplicate_of"] == original.pk
        assert detail["closed_at"] is not None
        assert [u["new_status"] for u in detail["updates"]] == ["duplicate"]


def test_nearby(client: Client, needs: dict[str, Any], submit: Submit) -> None:
    near = submit(where=(40.9651, -5.695))
    res = client.get(
        "/api/needs/reports/nearby/", {"category": "pothole", "lat": 40.965, "lon": -5.695}
    )
    [row] = res.json()
    assert row["report"]["id"] == near.pk
    assert 10 < row["distance_m"] < 12
    res = client.get(
        "/api/needs/reports/nearby/", {"category": "nope", "lat": 40.965, "lon": -5.695}
    )
    assert res.status_code == 404
    assert client.get("/api/needs/reports/nearby/", {"lat": "x"}).status_code == 400


def test_map_cells(client: Client, needs: dict[str, Any], submit: Submit) -> None:
    submit(where=(40.965, -5.695))
    submit(where=(40.965, -5.695))
    submit("tree", where=(40.955, -5.685))
    res = client.get("/api/needs/cells/", {"bbox": "-5.70,40.95,-5.68,40.97"})
    assert sorted(res.json(), key=lambda r: -r["count"]) == [
        {"cell": h3_cell(40.965, -5.695), "count": 2},
        {"cell": h3_cell(40.955, -5.685), "count": 1},
    ]
    res = client.get(
        "/api/needs/cells/", {"bbox": "-5.70,40.95,-5.68,40.97", "category": "fallen-tree"}
    )
    assert [r["count"] for r in res.json()] == [1]
    res = client.get("/api/needs/cells/", {"bbox": "-5.69,40.95,-5.70,40.97"})
    assert res.status_code == 400
    assert client.get("/api/needs/cells/", {"bbox": "a,b"}).status_code == 400


def test_support(client: Client, needs: dict[str, Any], submit: Submit) -> None:
    report = submit()
    assert client.post(f"/api/needs/reports/{report.pk}/support/").status_code in (401, 403)
    res = client.post(f"/api/needs/reports/{report.pk}/support/", **auth(needs, "moderator"))
    assert res.json()["support_count"] == 1
    res = client.post("/api/needs/reports/999999/support/", **auth(needs, "moderator"))
    assert res.status_code == 404


def test_schema_lists_the_needs_endpoints(client: Client, db: None) -> None:
    res = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert res.status_code == 200
    paths = res.json()["paths"]
    for path in (
        "/api/needs/reports/",
        "/api/needs/reports/{id}/",
        "/api/needs/reports/nearby/",
        "/api/needs/cells/",
    ):
        assert path in paths
