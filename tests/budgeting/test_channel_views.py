"""The pages of the voting channels: the eligibility upload, code sheets (CSV and PDF), voting
with a code without an account, paper ballots by double entry, and turnout per channel."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from tests.budgeting.conftest import to_phase, with_projects

from cocity.budgeting import services
from cocity.budgeting.models import Ballot, EligibleVoter, PaperSheet, Process, VotingCode

pytestmark = pytest.mark.django_db


@pytest.fixture
def voting(budget: dict[str, Any]) -> dict[str, Any]:
    ideas = with_projects(budget, {"A": 60, "B": 30, "C": 30})
    to_phase(budget["process"], "voting", budget["users"]["official"])
    return {**budget, "ideas": ideas}


def _codes(client: Client, fmt: str, count: int = 3) -> Any:
    return client.post(
        reverse("budgeting:codes", args=["pb-2027", "city"]), {"count": count, "format": fmt}
    )


def test_code_sheets_and_voting_with_a_code(client: Client, voting: dict[str, Any]) -> None:
    client.force_login(voting["users"]["official"])
    res = _codes(client, "csv")
    assert res["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(res.content.decode())))
    assert len(rows) == 3
    assert rows[0]["vote_at"].endswith("/budgets/pb-2027/city/vote/code/")
    pdf = _codes(client, "pdf", 12)
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert pdf.content.count(b"/Type /Page\n") == 2  # 10 slips a page
    assert VotingCode.objects.count() == 15
    assert _codes(client, "csv", 0).status_code == 302  # refused, back to manage
    assert VotingCode.objects.count() == 15
    client.logout()
    url = reverse("budgeting:ballot_code", args=["pb-2027", "city"])
    page = client.get(url).content.decode()
    assert 'name="code"' in page
    a = voting["ideas"]["A"]
    res = client.post(url, {"code": "WRONG", f"p{a.pk}": "1", "action": "cast"})
    assert res.status_code == 400
    assert "not valid" in res.content.decode()
    res = client.post(url, {"code": rows[0]["code"], f"p{a.pk}": "1", "action": "cast"})
    assert res.status_code == 302
    assert Ballot.objects.get().channel == "code"
    res = client.post(url, {"code": rows[0]["code"], f"p{a.pk}": "1", "action": "cast"})
    assert "already been used" in res.content.decode()
    client.cookies["django_language"] = "es"
    res = client.post(url, {"code": rows[0]["code"], f"p{a.pk}": "1", "action": "cast"})
    assert "ya se ha usado" in res.content.decode()


def test_paper_double_entry_pages(client: Client, voting: dict[str, Any]) -> None:
    u, a = voting["users"], voting["ideas"]["A"]
    url = reverse("budgeting:paper", args=["pb-2027", "city"])
    client.force_login(u["resident"])
    assert client.get(url).status_code == 403
    client.force_login(u["official"])
    assert client.post(url, {"serial": "S1", f"p{a.pk}": "1", "action": "cast"}).status_code == 302
    page = client.get(url).content.decode()
    assert "Sheet S1: Entered once" in page
    res = client.post(url, {"serial": "S1", f"p{a.pk}": "1", "action": "cast"})
    assert "Another official" in res.content.decode()
    client.force_login(u["admin"])
    client.post(url, {"serial": "S1", f"p{a.pk}": "1", "action": "cast"})
    assert PaperSheet.objects.get().status == "counted"
    assert Ballot.objects.get().channel == "paper"
    assert "Sheet S1: Entered once" not in client.get(url).content.decode()


def test_eligibility_upload_and_required_identifier(client: Client, voting: dict[str, Any]) -> None:
    u = voting["users"]
    client.force_login(u["official"])
    upload = SimpleUploadedFile("list.csv", b"identifier,district\nID-1,\nID-2,n1\n")
    res = client.post(reverse("budgeting:eligibility", args=["pb-2027"]), {"file": upload})
    assert res.status_code == 302
    assert EligibleVoter.objects.count() == 2
    assert "2 people added" in client.get(res["Location"]).content.decode()
    Process.objects.filter(slug="pb-2027").update(require_eligibility=True)
    client.force_login(u["resident"])
    url = reverse("budgeting:ballot", args=["pb-2027", "city"])
    assert 'name="identifier"' in client.get(url).content.decode()
    a = voting["ideas"]["A"]
    res = client.post(url, {"identifier": "ID-9", f"p{a.pk}": "1", "action": "cast"})
    assert res.status_code == 400
    assert not Ballot.objects.exists()
    res = client.post(url, {"identifier": "id 1", f"p{a.pk}": "1", "action": "cast"})
    assert res.status_code == 302
    assert 'name="identifier"' not in client.get(url).content.decode()  # given once


def test_channel_rule_and_turnout_per_channel(client: Client, voting: dict[str, Any]) -> None:
    u, env = voting["users"], voting["envelopes"]["n1"]
    city = voting["envelopes"]["city"]
    pick = {str(voting["ideas"]["B"].pk): 1}
    services.ballot_cast(user=u["resident"], envelope=city, choices=pick)
    (code,) = services.codes_generate(actor=u["official"], envelope=city, count=1)
    services.ballot_cast_with_code(envelope=city, code=code, choices=pick)
    services.paper_enter(actor=u["official"], envelope=city, serial="1", choices=pick)
    services.paper_enter(actor=u["admin"], envelope=city, serial="1", choices=pick)
    services.paper_enter(actor=u["official"], envelope=city, serial="2", choices=pick)
    services.paper_enter(actor=u["admin"], envelope=city, serial="2", choices=pick)
    page = client.get(reverse("budgeting:detail", args=["pb-2027"])).content.decode()
    assert "the first ballot recorded counts" in page
    assert "4 ballots cast" in page
    assert '<th scope="row">Paper</th><td class="num">2</td>' in page
    data = client.get("/api/budgets/").json()
    rows = data["results"] if isinstance(data, dict) else data
    by_slug = {e["slug"]: e["turnout"] for e in rows[0]["envelopes"]}
    assert by_slug["city"] == {
        "ballots": 4,
        "by_channel": {"online": 1, "code": 1, "paper": 2, "assisted": 0},
        "percent": None,
    }
    assert by_slug[env.slug]["ballots"] == 0
    assert by_slug[env.slug]["percent"] == 0.0
    client.cookies["django_language"] = "es"
    page = client.get(reverse("budgeting:detail", args=["pb-2027"])).content.decode()
    assert "Papel" in page
