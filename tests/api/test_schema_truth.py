"""Single answers of the REST API checked against its OpenAPI schema with schemathesis's checks:
each test is a defect the generated run (test_schema_conformance.py) found, or a promise the
schema makes (errors documented as problem+json, coordinate and page bounds)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from rest_framework.authtoken.models import Token
from schemathesis import checks
from tests.needs.conftest import N1

from cocity.core import services as core_services
from cocity.deliberation import services as deliberation
from cocity.needs import services as needs_services
from cocity.needs.models import Report

pytestmark = pytest.mark.django_db

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def api() -> Iterator[Any]:
    """The schema as the app serves it; its cases are sent through the WSGI app."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def answer(
    api: Any,
    method: str,
    path: str,
    *,
    user: Any = None,
    path_parameters: dict[str, Any] | None = None,
    query: dict[str, Any] | None = None,
    body: Any = ...,
    media_type: str = "application/json",
) -> Any:
    """Send one request of the operation ``method path`` and check the answer against the
    schema (raises schemathesis's failures); return the response."""
    operation = api[path][method]
    kwargs: dict[str, Any] = {"path_parameters": path_parameters or {}, "query": query or {}}
    if body is not ...:
        kwargs.update(body=body, media_type=media_type)
    case = operation.Case(**kwargs)
    headers = {}
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        headers["Authorization"] = f"Token {token.key}"
    response = case.call(headers=headers)
    case.validate_response(response, checks=CHECKS, headers=headers)
    return response


def component(api: Any, name: str) -> dict[str, Any]:
    return api.raw_schema["components"]["schemas"][name]  # type: ignore[no-any-return]


# --- nullable fields are marked -----------------------------------------------------------------


def test_an_area_without_a_parent(api: Any, needs: dict[str, Any]) -> None:
    body = answer(api, "GET", "/api/areas/").json()
    assert body["results"][0]["parent"] is None
    assert (
        answer(api, "GET", "/api/areas/{code}/", path_parameters={"code": "n1"}).json()["parent"]
        is None
    )


def test_an_organisation_without_an_area(api: Any, needs: dict[str, Any]) -> None:
    core_services.organisation_create(slug="citywide", name="Citywide")
    listed = answer(api, "GET", "/api/organisations/").json()["results"]
    names = {o["slug"]: o["area"] for o in listed}
    assert names == {"citywide": None, "neighbours": "n1"}


def test_a_report_outside_every_area(api: Any, needs: dict[str, Any]) -> None:
    """A redrawn map leaves a report without an area (SET_NULL): the API still answers it."""
    report = needs_services.report_submit(
        category=needs["categories"]["tree"], lat=N1[0], lon=N1[1], description="Branches"
    )
    Report.objects.filter(pk=report.pk).update(area=None, department=None)
    one = answer(api, "GET", "/api/needs/reports/{id}/", path_parameters={"id": report.pk})
    assert (one.json()["area"], one.json()["department"]) == (None, None)
    listed = answer(api, "GET", "/api/needs/reports/").json()["results"]
    assert listed[0]["area"] is None


def test_a_conversation_without_area_or_need(api: Any, needs: dict[str, Any]) -> None:
    conversation = deliberation.conversation_create(
        actor=needs["users"]["official"], topic="Buses?", seed_statements=["More buses."]
    )
    body = answer(api, "GET", "/api/conversations/{id}/", path_parameters={"id": conversation.pk})
    assert (body.json()["area"], body.json()["need"]) == (None, None)


# --- enums and shapes as returned ---------------------------------------------------------------


def test_a_vote_answers_its_value_as_a_number(api: Any, needs: dict[str, Any]) -> None:
    conversation = deliberation.conversation_create(
        actor=needs["users"]["official"], topic="Buses?", seed_statements=["More buses."]
    )
    vote = answer(
        api,
        "POST",
        "/api/conversations/{id}/votes/",
        user=needs["users"]["resident"],
        path_parameters={"id": conversation.pk},
        body={"statement": 0, "vote": "agree"},
    )
    assert vote.json() == {"statement": 0, "vote": 1}
    assert "VoteEnum" in json.dumps(component(api, "Vote")["properties"]["vote"])
    assert component(api, "VoteEnum")["type"] == "integer"


def test_a_new_statement_lists_the_similar_ones(api: Any, needs: dict[str, Any]) -> None:
    conversation = deliberation.conversation_create(
        actor=needs["users"]["official"], topic="Buses?", seed_statements=["More buses at night."]
    )
    created = answer(
        api,
        "POST",
        "/api/conversations/{id}/statements/",
        user=needs["users"]["resident"],
        path_parameters={"id": conversation.pk},
        body={"body": "More buses at night, please."},
    )
    assert created.status_code == 201
    assert created.json()["similar"] == [0]
    assert "similar" in component(api, "StatementCreated")["properties"]


def test_results_before_and_after_an_analysis(api: Any, needs: dict[str, Any]) -> None:
    conversation = deliberation.conversation_create(
        actor=needs["users"]["official"],
        topic="Buses?",
        allow_anonymous=True,
        seed_statements=["More buses.", "Fewer cars.", "Cheaper tickets."],
    )
    path = "/api/conversations/{id}/results/"
    assert answer(api, "GET", path, path_parameters={"id": conversation.pk}).json()["k"] == 0
    for i in range(6):
        for statement in conversation.statements.all():
            value = 1 if (i + statement.number) % 2 else -1
            deliberation.vote_cast(statement=statement, value=value, session_key=f"s{i}")
    deliberation.analysis_run(conversation=conversation)
    body = answer(api, "GET", path, path_parameters={"id": conversation.pk}).json()
    assert body["n_votes"] == 18
    assert len(body["projections"]) == 6


def test_me_names_a_role(api: Any, needs: dict[str, Any]) -> None:
    me = answer(api, "GET", "/api/me/", user=needs["users"]["official"]).json()
    assert me["role"] == "official"
    assert "RoleEnum" in json.dumps(component(api, "Me")["properties"]["role"])


# --- errors are documented, in the shape they are sent ------------------------------------------


def test_errors_are_documented_problems(api: Any, needs: dict[str, Any]) -> None:
    resident = needs["users"]["resident"]
    missing = answer(api, "GET", "/api/needs/reports/{id}/", path_parameters={"id": 999999})
    assert missing.status_code == 404
    assert answer(api, "GET", "/api/me/").status_code == 403
    assert answer(api, "GET", "/api/areas/locate/", query={"lat": 95, "lon": 0}).status_code == 400
    outside = answer(api, "GET", "/api/areas/locate/", query={"lat": 41.5, "lon": -5.0})
    assert (outside.status_code, outside.json()["code"]) == (404, "outside_city")
    nearby = answer(
        api, "GET", "/api/needs/reports/nearby/", query={"category": "nope", "lat": 0, "lon": 0}
    )
    assert nearby.status_code == 404
    unsupported = answer(
        api,
        "POST",
        "/api/needs/reports/{id}/support/",
        user=resident,
        path_parameters={"id": 999999},
    )
    assert unsupported.status_code == 404
    for status in ("400", "403", "404"):
        content = api.raw_schema["paths"]["/api/needs/reports/{id}/"]["get"]["responses"][status]
        assert list(content["content"]) == ["application/problem+json"]


def test_an_idempotency_key_reused_for_another_report_is_a_documented_422(
    api: Any, needs: dict[str, Any]
) -> None:
    resident = needs["users"]["resident"]
    body = {"category": "fallen-tree", "description": "Tree", "lat": N1[0], "lon": N1[1]}
    operation = api["/api/needs/reports/"]["POST"]
    token, _ = Token.objects.get_or_create(user=resident)
    for description, status in (("Tree", 201), ("Another tree", 422)):
        case = operation.Case(
            body={**body, "description": description},
            media_type="application/json",
            headers={"Idempotency-Key": "k-1"},
        )
        headers = {"Authorization": f"Token {token.key}"}
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
        assert response.status_code == status


def test_too_many_token_requests_are_a_documented_429_with_retry_after(
    api: Any, needs: dict[str, Any], settings: Any
) -> None:
    settings.COCITY_RATE_LIMITS = {
        **settings.COCITY_RATE_LIMITS,
        "token": {"ip": "2/d", "scope": "5/5m"},  # a day's window: the three fall in one
    }
    statuses = []
    for _ in range(3):
        response = answer(
            api,
            "POST",
            "/api/token/",
            body={"username": "resident@example.org", "password": "wrong"},
        )
        statuses.append(response.status_code)
    assert statuses == [400, 400, 429]
    assert int(response.headers["retry-after"][0]) >= 1


@pytest.mark.parametrize("body", [0, "text", [], None])
def test_a_token_request_whose_body_is_not_an_object_is_a_400(api: Any, body: Any) -> None:
    """It was a 500: the rate limit read ``username`` from whatever the JSON held."""
    response = answer(api, "POST", "/api/token/", body=body)
    assert response.status_code == 400


def test_the_token_endpoint_needs_no_sign_in(api: Any) -> None:
    assert {} in api.raw_schema["paths"]["/api/token/"]["post"]["security"]


def test_an_api_address_that_matches_nothing_is_a_problem(client: Client) -> None:
    """Paths the URL conf does not match (a negative id, a code with a slash) under /api/ are
    problem+json too; elsewhere the HTML page."""
    for path in ("/api/needs/reports/-1/", "/api/areas/a%2Fb/", "/api/nothing/"):
        response = client.get(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "not_found"
    page = client.get("/nothing/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


def test_a_cursor_the_api_did_not_give_is_a_400_naming_it(api: Any, needs: dict[str, Any]) -> None:
    response = answer(api, "GET", "/api/needs/reports/", query={"cursor": "not-a-cursor!"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["cursor"]


# --- bounds in the schema -----------------------------------------------------------------------


def _parameter(api: Any, path: str, name: str) -> dict[str, Any]:
    parameters = api.raw_schema["paths"][path]["get"]["parameters"]
    return next(p["schema"] for p in parameters if p["name"] == name)  # type: ignore[no-any-return]


def test_coordinates_and_pages_are_bounded_in_the_schema(api: Any) -> None:
    for path in ("/api/areas/locate/", "/api/needs/reports/nearby/"):
        assert _parameter(api, path, "lat").items() >= {"minimum": -90, "maximum": 90}.items()
        assert _parameter(api, path, "lon").items() >= {"minimum": -180, "maximum": 180}.items()
    for name in ("Report", "ReportInputRequest"):
        properties = component(api, name)["properties"]
        assert properties["lat"].items() >= {"minimum": -90, "maximum": 90}.items()
        assert properties["lon"].items() >= {"minimum": -180, "maximum": 180}.items()
    area = component(api, "Area")["properties"]
    assert area["centroid_lat"].items() >= {"minimum": -90, "maximum": 90}.items()
    assert _parameter(api, "/api/areas/", "limit").items() >= {"minimum": 1, "maximum": 200}.items()
    assert _parameter(api, "/api/areas/", "offset")["maximum"] == 2**31 - 1
    assert _parameter(api, "/api/needs/reports/", "limit")["maximum"] == 200
