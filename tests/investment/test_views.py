from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cocity.investment.models import Pledge

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
