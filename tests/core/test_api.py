from __future__ import annotations

from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cocity.core.models import Role

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def test_areas_list_and_detail(api: APIClient, city: dict[str, Any]) -> None:
    res = api.get("/api/areas/")
    assert res.status_code == 200
    body = res.json()
    assert body["count"] == 4
    assert [a["code"] for a in body["results"]] == ["n1", "n2", "s1", "s2"]
    assert "boundary" not in body["results"][0]
    detail = api.get("/api/areas/s2/").json()
    assert detail["population"] == 4000
    assert detail["boundary"]["type"] == "Polygon"


def test_locate_point(api: APIClient, city: dict[str, Any]) -> None:
    res = api.get("/api/areas/locate/", {"lat": 40.955, "lon": -5.695})
    assert res.status_code == 200
    assert res.json()["code"] == "s1"


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"lat": 10, "lon": 10}, 404, "outside_city"),
        ({"lat": "north", "lon": 1}, 400, "invalid"),
        ({"lat": 95, "lon": 1}, 400, "invalid"),
        ({}, 400, "invalid"),
    ],
)
def test_locate_errors_are_problem_json(
    api: APIClient, city: dict[str, Any], params: dict[str, Any], status: int, code: str
) -> None:
    res = api.get("/api/areas/locate/", params)
    assert res.status_code == status
    assert res["Content-Type"].startswith(PROBLEM)
    body = res.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["title"]
    assert body["detail"]
    if status == 400:
        assert "lat" in body["errors"] or "lon" in body["errors"]


def test_unknown_area_is_problem_json_404(api: APIClient, city: dict[str, Any]) -> None:
    res = api.get("/api/areas/nowhere/")
    assert res.status_code == 404
    assert res["Content-Type"].startswith(PROBLEM)
    assert res.json()["code"] == "not_found"


def test_departments_organisations_and_audit_are_public(
    api: APIClient, city: dict[str, Any]
) -> None:
    assert [d["code"] for d in api.get("/api/departments/").json()["results"]] == ["parks", "roads"]
    assert api.get("/api/organisations/").json()["results"][0]["area"] == "n1"
    audit = api.get("/api/audit/", {"object_type": "core.area"}).json()
    assert audit["count"] == 4
    assert len(audit["results"][0]["hash"]) == 64


def test_me_needs_authentication_problem(api: APIClient, city: dict[str, Any]) -> None:
    res = api.get("/api/me/")
    assert res.status_code in (401, 403)
    assert res["Content-Type"].startswith(PROBLEM)


def test_token_auth_and_me(api: APIClient, city: dict[str, Any]) -> None:
    res = api.post("/api/token/", {"username": "official@example.org", "password": "pw-12345-long"})
    assert res.status_code == 200, res.content
    token = res.json()["token"]
    assert Token.objects.filter(key=token).exists()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api.get("/api/me/").json()
    assert me == {"email": "official@example.org", "public_name": "Official", "role": "official"}


def test_bad_token_login_is_problem_json(api: APIClient, city: dict[str, Any]) -> None:
    res = api.post("/api/token/", {"username": "official@example.org", "password": "wrong"})
    assert res.status_code == 400
    assert res["Content-Type"].startswith(PROBLEM)
    assert "non_field_errors" in res.json()["errors"]


def test_consents_api_grant_withdraw_and_export(api: APIClient, city: dict[str, Any]) -> None:
    api.force_authenticate(city["users"][Role.RESIDENT])
    res = api.post(
        "/api/me/consents/", {"purpose": "research_contact", "granted": True}, format="json"
    )
    assert res.status_code == 200
    assert res.json()[0]["withdrawn_at"] is None
    res = api.post(
        "/api/me/consents/", {"purpose": "research_contact", "granted": False}, format="json"
    )
    assert res.json()[0]["withdrawn_at"] is not None
    bad = api.post("/api/me/consents/", {"purpose": "everything", "granted": True}, format="json")
    assert bad.status_code == 400
    assert "purpose" in bad.json()["errors"]
    assert api.get("/api/me/consents/").status_code == 200
    data = api.get("/api/me/data/").json()
    assert data["account"]["email"] == "resident@example.org"


def test_write_methods_are_refused_on_read_only_lists(api: APIClient, city: dict[str, Any]) -> None:
    api.force_authenticate(city["users"][Role.ADMIN])
    res = api.post("/api/areas/", {"code": "x"}, format="json")
    assert res.status_code == 405
    assert res["Content-Type"].startswith(PROBLEM)


def test_openapi_schema_and_docs(api: APIClient, db: None) -> None:
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    doc = schema.json()
    assert doc["openapi"].startswith("3.")
    assert "/api/areas/locate/" in doc["paths"]
    docs = api.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
