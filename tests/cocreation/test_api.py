from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cocity.cocreation import services
from cocity.cocreation.models import Challenge, Measurement, Proposal

pytestmark = pytest.mark.django_db


def token_client(user: Any) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_frame_a_challenge_and_propose_through_the_api(
    needs: dict[str, Any], reports: list[Any]
) -> None:
    member = token_client(needs["users"]["organisation_member"])
    response = member.post(
        "/api/cocreation/challenges/",
        {
            "title": "Dark streets",
            "statement": "Lamps are out.",
            "reports": [r.pk for r in reports],
            "organisation": "neighbours",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    challenge = response.json()
    assert challenge["areas"] == ["n1"]
    assert challenge["organisation"] == "neighbours"
    assert sorted(challenge["reports"]) == sorted(r.pk for r in reports)
    listed = APIClient().get("/api/cocreation/challenges/").json()
    assert [c["id"] for c in listed["results"]] == [challenge["id"]]

    resident = token_client(needs["users"]["resident"])
    url = f"/api/cocreation/challenges/{challenge['id']}/proposals/"
    first = resident.post(url, {"title": "Solar lamps", "body": "On every street"}).json()
    second = resident.post(url, {"title": "Solar lamps please", "body": "Every street"}).json()
    assert first["similar"] == []
    assert second["similar"] == [first["id"]]
    assert len(APIClient().get(url).json()["results"]) == 2


def test_api_errors_are_problem_json_and_change_nothing(
    needs: dict[str, Any], reports: list[Any]
) -> None:
    resident = token_client(needs["users"]["resident"])
    response = resident.post(
        "/api/cocreation/challenges/",
        {"title": "T", "statement": "S", "reports": [reports[0].pk]},
        format="json",
    )
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    official = token_client(needs["users"]["official"])
    response = official.post(
        "/api/cocreation/challenges/",
        {"title": "T", "statement": "S", "reports": [999999]},
        format="json",
    )
    assert response.status_code == 400
    assert "reports" in response.json()["errors"]
    huge = official.post(
        "/api/cocreation/challenges/",
        {"title": "T", "statement": "S", "reports": [2**70], "conversation": 2**70},
        format="json",
    )
    assert huge.status_code == 400  # not a database overflow (found by schemathesis)
    assert set(huge.json()["errors"]) == {"reports.0", "conversation"}
    assert APIClient().post("/api/cocreation/challenges/", {}).status_code in (401, 403)
    assert not Challenge.objects.exists()


def test_versions_through_the_api(challenge: Challenge, needs: dict[str, Any]) -> None:
    proposal = services.proposal_submit(
        author=needs["users"]["resident"], challenge=challenge, title="Lamps", body="More lamps"
    )
    url = f"/api/cocreation/proposals/{proposal.pk}/versions/"
    assert (
        token_client(needs["users"]["official"]).post(url, {"title": "L", "body": "B"}).status_code
        == 403
    )
    response = token_client(needs["users"]["resident"]).post(
        url, {"title": "Lamps", "body": "More lamps, solar", "note": "solar"}
    )
    assert response.status_code == 201
    assert response.json()["number"] == 2
    detail = APIClient().get(f"/api/cocreation/proposals/{proposal.pk}/").json()
    assert [v["number"] for v in detail["versions"]] == [1, 2]
    assert detail["version"] == 2
    assert detail["body"] == "More lamps, solar"
    assert Proposal.objects.get().version == 2


def test_initiatives_indicators_and_measurements(
    challenge: Challenge, needs: dict[str, Any]
) -> None:
    official = needs["users"]["official"]
    proposal = services.proposal_submit(
        author=needs["users"]["resident"], challenge=challenge, title="Lamps", body="More lamps"
    )
    initiative = services.initiative_create(proposal=proposal, actor=official)
    indicator = services.indicator_add(
        initiative=initiative,
        actor=official,
        name="Lamps working",
        unit="%",
        baseline=40,
        target=95,
        target_date=date(2027, 6, 1),
    )
    services.milestone_add(initiative=initiative, actor=official, title="Order", weight=1)
    url = f"/api/cocreation/indicators/{indicator.pk}/measurements/"
    api = token_client(official)
    assert api.post(url, {"measured_on": "2026-11-01", "value": "52.5"}).status_code == 201
    refused = token_client(needs["users"]["resident"]).post(
        url, {"measured_on": "2026-11-02", "value": "1"}
    )
    assert refused.status_code == 403
    assert api.post(url, {"measured_on": "2026-11-01", "value": "1"}).status_code == 409
    assert APIClient().get(url).json() == [{"measured_on": "2026-11-01", "value": "52.500"}]
    body = APIClient().get(f"/api/cocreation/initiatives/{initiative.pk}/").json()
    assert body["stage"] == "idea"
    assert body["progress"] == 0.0
    assert body["indicators"][0]["measurements"] == [
        {"measured_on": "2026-11-01", "value": "52.500"}
    ]
    assert [m["title"] for m in body["milestones"]] == ["Order"]
    listed = APIClient().get("/api/cocreation/initiatives/").json()
    assert listed["results"][0]["challenge"] == challenge.pk
    assert Measurement.objects.count() == 1
    timeline = APIClient().get(f"/api/cocreation/initiatives/{initiative.pk}/timeline/").json()
    kinds = [step["kind"] for step in timeline]
    # the same steps as the page, in order of time (this value was measured before the rest)
    assert kinds.index("measurement") < kinds.index("challenge") < kinds.index("initiative")
    assert [step["at"] for step in timeline] == sorted(step["at"] for step in timeline)
    assert timeline[kinds.index("measurement")]["at"].startswith("2026-11-01")
    assert APIClient().get("/api/cocreation/initiatives/999999/timeline/").status_code == 404
