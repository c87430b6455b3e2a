from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from tests.budgeting.conftest import to_phase, with_projects

from cocity.budgeting import services
from cocity.budgeting.models import Ballot, Idea, Process, VoterMark
from cocity.compute.pb.cli import main as pb_main

pytestmark = pytest.mark.django_db


def login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def es(client: Client) -> Client:
    client.cookies["django_language"] = "es"
    return client


def test_process_page_shows_timeline_and_rules_in_english_and_spanish(
    client: Client, budget: dict[str, Any]
) -> None:
    page = client.get(reverse("budgeting:detail", args=["pb-2027"])).content.decode()
    assert "Participatory budget 2027" in page
    assert "Collecting ideas" in page
    assert 'aria-current="step"' in page
    assert "Method of Equal Shares" in page
    assert "Whole city" in page
    page = es(client).get(reverse("budgeting:detail", args=["pb-2027"])).content.decode()
    assert "Presupuesto participativo 2027" in page
    assert "Recogida de ideas" in page
    assert "Toda la ciudad" in page


def test_official_creates_a_process_and_its_budgets_in_the_browser(
    client: Client, budget: dict[str, Any]
) -> None:
    login(client, budget["users"]["official"])
    form = {
        "slug": "pb-2028",
        "title": "Budget 2028",
        "title_es": "Presupuesto 2028",
        "ideas_opens_at": "2027-01-01T10:00",
        "review_opens_at": "2027-02-01T10:00",
        "voting_opens_at": "2027-03-01T10:00",
        "voting_closes_at": "2027-03-10T10:00",
        "ballot_kind": "knapsack",
        "max_choices": "0",
        "points": "10",
        "rule": "mes",
        "tie_break": "lexico",
        "tie_break_seed": "0",
    }
    bad = client.post(reverse("budgeting:create"), {**form, "voting_closes_at": "2027-02-15T10:00"})
    assert bad.status_code == 200
    assert "must not come before" in bad.content.decode()
    assert not Process.objects.filter(slug="pb-2028").exists()
    res = client.post(reverse("budgeting:create"), form)
    assert res.status_code == 302
    process = Process.objects.get(slug="pb-2028")
    assert (process.ballot_kind, process.titles) == ("knapsack", {"es": "Presupuesto 2028"})
    client.post(
        reverse("budgeting:envelope_add", args=["pb-2028"]),
        {"slug": "s1", "name": "South One", "area": budget["areas"]["s1"].pk, "amount": "10"},
    )
    client.post(
        reverse("budgeting:envelope_add", args=["pb-2028"]),
        {"slug": "s2", "name": "South Two", "area": budget["areas"]["s2"].pk, "amount": "10"},
    )
    client.post(
        reverse("budgeting:split", args=["pb-2028"]), {"total": "7000", "method": "population"}
    )
    amounts = dict(process.envelopes.values_list("slug", "amount"))
    assert amounts == {"s1": 3000, "s2": 4000}
    page = client.get(reverse("budgeting:manage", args=["pb-2028"])).content.decode()
    assert 'id="amount-s1" name="amount" type="number" min="1" value="3000"' in page
    client.post(reverse("budgeting:envelope_amount", args=["pb-2028", "s1"]), {"amount": "0"})
    assert process.envelopes.get(slug="s1").amount == 3000  # refused: not positive
    client.post(reverse("budgeting:envelope_amount", args=["pb-2028", "s1"]), {"amount": "5000"})
    s1 = process.envelopes.get(slug="s1")
    assert (s1.amount, s1.allocation) == (5000, "manual")
    page = client.get(reverse("budgeting:envelope", args=["pb-2028", "s2"])).content.decode()
    assert "4,000" in page
    assert "Split by population" in page


def test_resident_proposes_an_idea_and_official_reviews_it(
    client: Client, budget: dict[str, Any]
) -> None:
    login(client, budget["users"]["resident"])
    url = reverse("budgeting:idea_create", args=["pb-2027", "n1"])
    bad = client.post(url, {"title": "Benches", "body": "In the square.", "reports": "12345"})
    assert "no report with one of these numbers" in bad.content.decode()
    assert not Idea.objects.exists()
    res = client.post(url, {"title": "Benches", "body": "In the square."})
    idea = Idea.objects.get()
    assert res["Location"] == reverse("budgeting:idea", args=["pb-2027", idea.pk])
    # a resident cannot review
    assert (
        client.post(reverse("budgeting:idea_review", args=["pb-2027", idea.pk]), {}).status_code
        == 403
    )
    login(client, budget["users"]["official"])
    review = reverse("budgeting:idea_review", args=["pb-2027", idea.pk])
    bad = client.post(review, {"decision": "reject", "reasons": ""})
    assert bad.status_code == 400
    assert "Say why" in bad.content.decode()
    client.post(review, {"decision": "reject", "reasons": "The square is private land."})
    page = client.get(reverse("budgeting:envelope", args=["pb-2027", "n1"])).content.decode()
    assert "The square is private land." in page
    page = es(client).get(reverse("budgeting:idea", args=["pb-2027", idea.pk])).content.decode()
    assert "No viable" in page
    assert "Revisión técnica" in page


def _open_vote(budget: dict[str, Any]) -> dict[str, Idea]:
    ideas = with_projects(budget, {"Trees": 60, "Benches": 30, "Lights": 30})
    to_phase(budget["process"], "voting", budget["users"]["official"])
    return ideas


def test_ballot_check_without_javascript_then_cast_with_a_receipt(
    client: Client, budget: dict[str, Any]
) -> None:
    ideas = _open_vote(budget)
    login(client, budget["users"]["resident"])
    url = reverse("budgeting:ballot", args=["pb-2027", "city"])
    page = client.get(url).content.decode()
    assert "Choose up to 2 projects." in page
    assert 'src="/static/budgeting/ballot.js"' in page
    every = {f"p{i.pk}": "1" for i in ideas.values()}
    res = client.post(url, {**every, "action": "check"})
    body = res.content.decode()
    assert res.status_code == 400
    assert "Choose at most 2 projects." in body
    assert "3 projects chosen" in body
    assert "total cost €120 of €100" in body
    assert body.count("checked") == 3  # the choices are kept
    res = client.post(url, {**every, "action": "cast"})
    assert res.status_code == 400
    assert not Ballot.objects.exists()
    assert not VoterMark.objects.exists()
    two = {f"p{ideas['Trees'].pk}": "1", f"p{ideas['Benches'].pk}": "1"}
    ok = client.post(url, {**two, "action": "check"}).content.decode()
    assert "This ballot is valid." in ok
    assert not Ballot.objects.exists()
    res = client.post(url, {**two, "action": "cast"}, follow=True)
    ballot = Ballot.objects.get()
    assert ballot.receipt in res.content.decode()
    again = client.post(url, {**two, "action": "cast"})
    assert "already voted" in again.content.decode()
    assert Ballot.objects.count() == 1
    # anyone can check the receipt; the page does not show the choices
    anon = Client()
    page = anon.get(reverse("budgeting:receipt"), {"code": ballot.receipt}).content.decode()
    assert "A ballot with this code is recorded" in page
    assert "Trees" not in page
    page = anon.get(reverse("budgeting:receipt"), {"code": "NOPE-NOPE-NOPE"}).content.decode()
    assert "No ballot has this code" in page


def test_spanish_ballot_errors(client: Client, budget: dict[str, Any]) -> None:
    _open_vote(budget)
    login(es(client), budget["users"]["resident"])
    res = client.post(reverse("budgeting:ballot", args=["pb-2027", "city"]), {"action": "check"})
    assert "Elige al menos un proyecto." in res.content.decode()
    assert "Elige hasta 2 proyectos." in res.content.decode()  # a plural form (es has three)


def _voted_and_counted(budget: dict[str, Any]) -> dict[str, Idea]:
    from cocity.core import services as core

    ideas = _open_vote(budget)
    env = budget["envelopes"]["city"]
    for i, chosen in enumerate([["Trees"]] * 8 + [["Benches"]] * 6 + [["Lights"]] * 6):
        voter = core.user_create(email=f"v{i}@example.org", password="pw-12345-long")
        services.ballot_cast(
            user=voter, envelope=env, choices={str(ideas[k].pk): 1 for k in chosen}
        )
    to_phase(budget["process"], "tally", budget["users"]["official"])
    return ideas


def test_results_page_chart_table_explanations_and_greedy(
    client: Client, budget: dict[str, Any]
) -> None:
    ideas = _voted_and_counted(budget)
    url = reverse("budgeting:results", args=["pb-2027", "city"])
    assert "have not been counted" in client.get(url).content.decode()
    login(client, budget["users"]["official"])
    assert client.post(reverse("budgeting:tally", args=["pb-2027"])).status_code == 302
    detail = Client().get(reverse("budgeting:detail", args=["pb-2027"])).content.decode()
    assert "20 ballots cast" in detail
    page = Client().get(url).content.decode()
    assert '<svg viewBox="0 0 360' in page
    assert 'class="bar-won"' in page
    assert 'class="bar-lost"' in page
    assert "Spent €60 of €100" in page
    assert "left over: €40" in page
    # Trees (8 votes) lost under Equal Shares: its supporters' shares fell short
    shortfall = r"<strong>Trees</strong>: its 8 supporters had €\d+ of their shares left"
    assert re.search(shortfall, page)
    assert "would be funded" in page  # greedy would have taken Trees
    result = budget["envelopes"]["city"].result
    assert result.result_sha256 in page
    assert "The result satisfies EJR up to one project." in page
    page = es(Client()).get(url).content.decode()
    assert "Votos por proyecto" in page
    assert "recuento voraz" in page
    # counted greedily, the six who voted only for Lights (30 = their 6/20 of 100) get nothing
    Process.objects.filter(pk=budget["process"].pk).update(rule="greedy")
    result = services.envelope_tally(actor=None, envelope=budget["envelopes"]["city"])
    assert result.ejr == {
        "checked": True,
        "violations": [{"projects": [str(ideas["Lights"].pk)], "unsatisfied_supporters": 6}],
    }
    page = Client().get(url).content.decode()
    assert "does not satisfy EJR" in page
    assert "6 voters who all voted for Lights got less than their share." in page


def test_downloaded_ballots_recount_to_the_published_hash(
    client: Client, budget: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _voted_and_counted(budget)
    official = budget["users"]["official"]
    assert client.get(reverse("budgeting:pb", args=["pb-2027", "city"])).status_code == 200
    results = services.process_tally(actor=official, process=budget["process"])
    city = next(r for r in results if r.envelope.slug == "city")
    text = client.get(reverse("budgeting:pb", args=["pb-2027", "city"])).content.decode()
    assert "cocity_rule;mes" in text
    assert "cocity_completion;add1" in text
    assert "voter_id;vote" in text
    assert "resident" not in text
    (tmp_path / "web.pb").write_text(text)
    call_command("budget", "export", "pb-2027", "--out", str(tmp_path / "out"))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["city.pb", "n1.pb", "n2.pb"]
    assert (tmp_path / "out" / "city.pb").read_text() == text
    capsys.readouterr()
    assert pb_main(["tally", str(tmp_path / "out" / "city.pb"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["result_sha256"] == city.result_sha256
    assert sorted(out["winners"]) == sorted(city.winners)
    assert (out["rule"], out["completion"]) == ("mes", "add1")
    # another rule gives another hash: the hash says which rule was used
    assert pb_main(["tally", str(tmp_path / "web.pb"), "--json", "--rule", "greedy"]) == 0
    assert json.loads(capsys.readouterr().out)["result_sha256"] != city.result_sha256


def test_ballots_are_not_downloadable_while_voting(client: Client, budget: dict[str, Any]) -> None:
    _open_vote(budget)
    assert client.get(reverse("budgeting:pb", args=["pb-2027", "city"])).status_code == 404


def test_api_lists_processes_with_phase_and_result_hash(
    client: Client, budget: dict[str, Any]
) -> None:
    _voted_and_counted(budget)
    data = client.get("/api/budgets/").json()
    rows = data["results"] if isinstance(data, dict) else data
    (process,) = rows
    assert process["slug"] == "pb-2027"
    assert process["phase"] == "tally"
    assert {e["slug"]: e["result_sha256"] for e in process["envelopes"]} == {
        "city": None,
        "n1": None,
        "n2": None,
    }
    result = services.envelope_tally(
        actor=budget["users"]["official"], envelope=budget["envelopes"]["city"]
    )
    rows = client.get("/api/budgets/").json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    hashes = {e["slug"]: e["result_sha256"] for e in rows[0]["envelopes"]}
    assert hashes["city"] == result.result_sha256
    ejr = {e["slug"]: e["ejr_satisfied"] for e in rows[0]["envelopes"]}
    assert ejr == {"city": True, "n1": None, "n2": None}  # Equal Shares satisfies it


def test_list_page_queries_do_not_grow_with_processes(
    client: Client, budget: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    for n in range(3):
        services.process_create(
            actor=None,
            slug=f"p{n}",
            title=f"P{n}",
            **{
                k: getattr(budget["process"], k)
                for k in (
                    "ideas_opens_at",
                    "review_opens_at",
                    "voting_opens_at",
                    "voting_closes_at",
                )
            },
        )
    with django_assert_max_num_queries(6):
        page = client.get(reverse("budgeting:list")).content.decode()
    assert "P2" in page
    assert "Participatory budget 2027" in page


def test_cumulative_ballot_points_checked_and_cast(client: Client, budget: dict[str, Any]) -> None:
    official = budget["users"]["official"]
    services.process_update(actor=official, process=budget["process"], ballot_kind="cumulative")
    ideas = _open_vote(budget)
    login(client, budget["users"]["resident"])
    url = reverse("budgeting:ballot", args=["pb-2027", "city"])
    page = client.get(url).content.decode()
    assert 'type="number"' in page
    assert "Spread up to 10 points" in page
    trees, benches = f"p{ideas['Trees'].pk}", f"p{ideas['Benches'].pk}"
    res = client.post(url, {trees: "8", benches: "3", "action": "cast"})
    assert res.status_code == 400
    assert "Give at most 10 points in all." in res.content.decode()
    assert "11 of 10 points" in res.content.decode()
    res = client.post(url, {trees: "two", "action": "cast"})
    assert "Points must be whole numbers." in res.content.decode()
    assert not Ballot.objects.exists()
    client.post(url, {trees: "7", benches: "3", "action": "cast"})
    assert Ballot.objects.get().choices == {str(ideas["Trees"].pk): 7, str(ideas["Benches"].pk): 3}


def test_pabutools_counts_the_downloaded_file_to_the_published_winners(
    client: Client, budget: dict[str, Any], tmp_path: Path
) -> None:
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

    ideas = _voted_and_counted(budget)
    result = services.envelope_tally(
        actor=budget["users"]["official"], envelope=budget["envelopes"]["city"]
    )
    path = tmp_path / "city.pb"
    path.write_text(client.get(reverse("budgeting:pb", args=["pb-2027", "city"])).content.decode())
    instance, profile = parse_pabulib(str(path))
    assert profile.num_ballots() == 20
    # pabutools' Add1 stops at the first exhaustive outcome; here it is the published one
    mes = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, voter_budget_increment=1)
    assert sorted(p.name for p in mes) == sorted(result.winners)
    greedy = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
    assert sorted(p.name for p in greedy) == sorted(result.greedy_winners)
    assert str(ideas["Trees"].pk) in result.greedy_winners


def test_texts_can_change_after_voting_opens_but_the_rules_cannot(
    client: Client, budget: dict[str, Any]
) -> None:
    official = budget["users"]["official"]
    to_phase(budget["process"], "voting", official)
    login(client, official)
    url = reverse("budgeting:edit", args=["pb-2027"])
    page = client.get(url).content.decode()
    assert re.search(r'<select name="rule"[^>]*disabled', page)
    form = {
        "title": "Participatory budget 2027",
        "description": "Voting is open until the end of the month.",
        "ideas_opens_at": "2020-01-01T10:00",
        "review_opens_at": "2020-02-01T10:00",
        "voting_closes_at": "2030-01-01T10:00",
        "rule": "greedy",  # ignored: the field is disabled
    }
    res = client.post(url, form)
    assert res.status_code == 302, res.content.decode()[:3000]
    process = Process.objects.get(slug="pb-2027")
    assert process.description == "Voting is open until the end of the month."
    assert process.rule == "mes"


def test_envelope_and_results_pages_do_a_fixed_number_of_queries(
    client: Client, budget: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    _voted_and_counted(budget)
    services.envelope_tally(actor=budget["users"]["official"], envelope=budget["envelopes"]["city"])
    for name in ("budgeting:envelope", "budgeting:results"):
        with django_assert_max_num_queries(6):
            assert client.get(reverse(name, args=["pb-2027", "city"])).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(reverse("budgeting:detail", args=["pb-2027"])).status_code == 200
