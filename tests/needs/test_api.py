from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from cocity.needs import services
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
    assert listing["count"] == 1
    assert client.get("/api/needs/reports/", {"status": "open"}).json()["count"] == 0


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
    assert res.json()["count"] == 6
    assert len(queries) <= 3


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
