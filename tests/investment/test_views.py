from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.test import Client

from cocity.core.models import Area
from cocity.investment.models import Campaign, MatchingCall, Offering, Pledge

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


CALL = {
    "slug": "greens",
    "title": "Green streets",
    "pot": "5000",
    "kind": "qf",
    "ratio": "1",
    "cap": "1500",
    "threshold": "20",
    "opens_at": "2030-01-01T09:00",
    "closes_at": "2030-02-01T09:00",
}


def test_an_official_opens_a_matching_call_after_reading_its_rule(
    invest: dict[str, Any],
) -> None:
    official = Client()
    official.force_login(invest["users"]["official"])
    assert "Open a matching call" in official.get("/invest/").content.decode()
    data = {**CALL, "sponsor": invest["organisation"].pk, "district_weights": "d9 = 2"}
    unknown = official.post("/invest/calls/new/", data).content.decode()
    assert "Unknown district code: d9." in unknown
    code = Area.objects.order_by("code").values_list("code", flat=True).first()
    data["district_weights"] = f"{code} = 1.5"
    preview = official.post("/invest/calls/new/", data).content.decode()
    assert "The rule in plain words" in preview
    assert "Pairwise bound M: 20 €." in preview
    assert "At most 1,500 € per project." in preview
    assert f"Under-served district {code}" in preview
    assert not MatchingCall.objects.filter(slug="greens").exists()
    key = re.search(r'name="previewed" value="([^"]+)"', preview)
    assert key is not None
    previewed = html.unescape(key.group(1))
    # a field changed after the preview: shown again, not published
    changed = {**data, "pot": "6000", "confirm": "1", "previewed": previewed}
    assert official.post("/invest/calls/new/", changed).status_code == 200
    assert not MatchingCall.objects.filter(slug="greens").exists()
    done = official.post("/invest/calls/new/", {**data, "confirm": "1", "previewed": previewed})
    assert done.status_code == 302
    call = MatchingCall.objects.get(slug="greens")
    assert call.rule == {
        "kind": "qf",
        "pot": 500_000,
        "ratio": "1",
        "cap": 150_000,
        "threshold": "2000",
        "district_weights": {code: "1.5"},
    }
    es = Client(headers={"accept-language": "es"})
    es.force_login(invest["users"]["official"])
    assert (
        "Abrir una convocatoria de cofinanciación" in es.get("/invest/calls/new/").content.decode()
    )


def test_offering_form_shows_errors_and_writes_nothing_then_creates(
    invest: dict[str, Any],
) -> None:
    official = Client()
    official.force_login(invest["users"]["official"])
    data = {
        "slug": "roof",
        "title": "School roof panels",
        "organisation": invest["organisation"].pk,
        "units": "100",
        "unit_price": "50",
        "cap_per_person": "500",
        "term": "10 years",
        "stated_return": "About 3% a year from sold power",
        "opens_at": "2030-01-02T09:00",
        "closes_at": "2030-01-01T09:00",
        "seed": "roof-2030",
    }
    bad = official.post("/invest/offerings/new/", data)
    assert bad.status_code == 200
    page = bad.content.decode()
    assert "Sign-ups must close after they open." in page
    assert "At most the units offered." in page
    assert not Offering.objects.exists()
    data.update(cap_per_person="5", closes_at="2030-02-01T09:00")
    assert official.post("/invest/offerings/new/", data).status_code == 302
    offering = Offering.objects.get(slug="roof")
    assert (offering.unit_price, offering.units, offering.seed) == (5_000, 100, "roof-2030")


def test_only_officials_open_calls_and_offerings(invest: dict[str, Any]) -> None:
    member = Client()
    member.force_login(invest["users"]["organisation_member"])
    assert "Open a matching call" not in member.get("/invest/").content.decode()
    data = {**CALL, "sponsor": invest["organisation"].pk, "confirm": "1"}
    assert member.post("/invest/calls/new/", data).status_code == 403
    assert member.get("/invest/offerings/new/").status_code == 403
    assert MatchingCall.objects.count() == 1


def test_a_refused_pledge_is_explained_in_the_residents_language(invest: dict[str, Any]) -> None:
    official = Client()
    official.force_login(invest["users"]["official"])
    assert official.post("/invest/calls/fund/close/").status_code == 302
    resident = Client(headers={"accept-language": "es"})
    resident.force_login(invest["users"]["resident"])
    page = resident.post("/invest/campaigns/benches/pledge/", {"amount": "10"})
    assert page.status_code == 400
    assert "Esta campaña ya no admite compromisos." in html.unescape(page.content.decode())
    problem = resident.post(
        "/api/investment/campaigns/benches/pledges/",
        {"amount": 1_000},
        content_type="application/json",
    )
    assert problem.status_code == 409
    assert problem.json()["detail"] == "Esta campaña ya no admite compromisos."
    assert not Pledge.objects.exists()
