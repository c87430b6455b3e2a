from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cocity.investment.models import Campaign, Pledge

pytestmark = pytest.mark.django_db


def test_pledge_close_and_see_the_split_in_english_and_spanish(invest: dict[str, Any]) -> None:
    resident = Client()
    resident.force_login(invest["users"]["resident"])
    page = resident.get("/invest/campaigns/benches/")
    assert page.status_code == 200
    assert "Pledge money" in page.content.decode()
    bad = resident.post("/invest/campaigns/benches/pledge/", {"amount": "0"})
    assert bad.status_code == 400
    ok = resident.post("/invest/campaigns/benches/pledge/", {"amount": "25.50", "named": "on"})
    assert ok.status_code == 302
    assert Pledge.objects.get().amount == 2_550
    official = Client()
    official.force_login(invest["users"]["official"])
    assert resident.post("/invest/calls/fund/close/").status_code == 403
    assert official.post("/invest/calls/fund/close/").status_code == 302
    split = official.get("/invest/calls/fund/").content.decode()
    assert "How the pot was split" in split
    assert "25.50 €" in split
    es = Client(headers={"accept-language": "es"})
    spanish = es.get("/invest/calls/fund/").content.decode()
    assert "Cómo se repartió el fondo" in spanish
    export = es.get("/invest/calls/fund/pledges.json").json()
    assert export["pledges"] == [{"project": "benches", "pledger": "p1", "amount": 2_550}]
    api = resident.get("/api/investment/calls/fund/").json()
    assert api["result"]["projects"][0]["match"] == 2_550


def test_api_pledge_answers_problem_json_when_closed(invest: dict[str, Any]) -> None:
    client = Client()
    client.force_login(invest["users"]["resident"])
    res = client.post(
        "/api/investment/campaigns/kitchen/pledges/",
        {"amount": 1_000},
        content_type="application/json",
    )
    assert res.status_code == 201
    assert res.json()["reference"]
    assert Client().post(
        "/api/investment/campaigns/kitchen/pledges/", {"amount": 1}
    ).status_code in (401, 403)
    campaign = client.get("/api/investment/campaigns/kitchen/").json()
    assert campaign["pledged"] == 1_000
    assert campaign["ledger"][0]["name"] is None


def test_an_organisation_member_opens_a_campaign_and_adds_a_role(invest: dict[str, Any]) -> None:
    member = Client()
    member.force_login(invest["users"]["organisation_member"])
    form = member.get("/invest/campaigns/new/").content.decode()
    assert "Proposing organisation" in form
    assert "Budget&#x27;s winning project" not in form  # officials only
    res = member.post(
        "/invest/campaigns/new/",
        {
            "slug": "garden",
            "title": "Garden",
            "organisation": invest["organisation"].pk,
            "goal_minimum": "100",
            "goal_optimum": "300",
            "deadline": "2099-01-01T12:00",
        },
    )
    assert res.status_code == 302
    campaign = Campaign.objects.get(slug="garden")
    assert (campaign.goal_minimum, campaign.created_by) == (
        10_000,
        invest["users"]["organisation_member"],
    )
    added = member.post(
        "/invest/campaigns/garden/roles/",
        {"title": "Digger", "starts_at": "2098-06-01T09:00", "hours": "3", "slots": "4"},
    )
    assert added.status_code == 302
    assert campaign.roles.get().slots == 4
    stranger = Client()
    stranger.force_login(invest["users"]["resident"])
    assert stranger.post("/invest/campaigns/garden/roles/", {"title": "x"}).status_code == 403
    assert stranger.get("/invest/campaigns/new/").status_code == 403
