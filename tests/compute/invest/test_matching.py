"""Matchfunding rules against worked examples.

Sources: the quadratic (CLR) subsidy ``(sum sqrt c_i)^2 - sum c_i`` of Buterin, Hitzig & Weyl,
"A Flexible Design for Funding Public Goods" (Management Science, 2019); the pairwise-bounded
form and its collusion bound of V. Buterin, "Pairwise coordination subsidies: a new quadratic
funding design" (ethresear.ch/t/5553, 2019): two agents who each put W into a fake project get
``2W * M/(M+W)``, never more than ``2M``; k agents get at most ``k(k-1)M``."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path

import pytest

from cocity.compute.invest.cli import main
from cocity.compute.invest.matching import MatchError, Pledge, Project, Rule, match

BIG_POT = 10**12


def _one(rule: Rule, amounts: list[int]) -> float:
    pledges = [Pledge("a", f"p{i}", c) for i, c in enumerate(amounts)]
    return match(rule, [Project("a")], pledges).projects[0].raw


def test_plain_quadratic_funding_is_the_clr_subsidy() -> None:
    amounts = [1, 4, 9, 100]
    expected = sum(math.sqrt(c) for c in amounts) ** 2 - sum(amounts)  # (1+2+3+10)^2 - 114
    assert _one(Rule(kind="qf", pot=BIG_POT), amounts) == pytest.approx(expected)
    assert expected == pytest.approx(142)


def test_many_small_pledges_beat_one_large_one() -> None:
    rule = Rule(kind="qf", pot=BIG_POT)
    assert _one(rule, [100] * 100) > _one(rule, [10_000, 1])


def test_pairwise_bound_on_two_colluders() -> None:
    m = 100
    rule = Rule(kind="qf", pot=BIG_POT, threshold=Decimal(m))
    for w in (100, 10_000, 10**8):
        assert _one(rule, [w, w]) == pytest.approx(2 * w * m / (m + w))
        assert _one(rule, [w, w]) < 2 * m


def test_k_colluders_get_at_most_k_k_minus_one_m() -> None:
    m, k = 50, 4
    rule = Rule(kind="qf", pot=BIG_POT, threshold=Decimal(m))
    got = _one(rule, [10**9] * k)
    assert got < k * (k - 1) * m
    assert got == pytest.approx(k * (k - 1) * m, rel=1e-6)


def test_the_coefficient_counts_what_a_pair_funded_together_across_projects() -> None:
    m = 10
    rule = Rule(kind="qf", pot=BIG_POT, threshold=Decimal(m))
    projects = [Project("a"), Project("b")]
    pledges = [Pledge(p, who, 40) for p in ("a", "b") for who in ("x", "y")]
    result = match(rule, projects, pledges)
    together = 40 + 40  # sqrt(40*40) on each project
    for project in result.projects:
        assert project.raw == pytest.approx(2 * 40 * m / (m + together))


def test_fixed_ratio_cap_and_pot_scaling_add_up_exactly() -> None:
    projects = [Project("a"), Project("b"), Project("c", eligible=False)]
    pledges = [Pledge("a", "x", 1000), Pledge("b", "y", 333), Pledge("c", "z", 5000)]
    roomy = match(Rule(kind="fixed", pot=10_000, ratio=Decimal(2), cap=1500), projects, pledges)
    assert [p.match for p in roomy.projects] == [1500, 666, 0]
    assert roomy.projects[0].capped
    assert not roomy.projects[1].capped
    tight = match(Rule(kind="fixed", pot=1001, ratio=Decimal(1)), projects, pledges)
    assert tight.spent == 1001
    assert tight.scale == pytest.approx(1001 / 1333)
    assert tight.projects[0].match + tight.projects[1].match == 1001


def test_cap_then_pot_water_fills() -> None:
    # raw 100, 300, 600 ; cap 250 ; pot 500 -> scale s with min(250, 100s)+min(250, 300s)+... = 500
    projects = [Project(x) for x in "abc"]
    pledges = [Pledge("a", "x", 100), Pledge("b", "y", 300), Pledge("c", "z", 600)]
    result = match(Rule(kind="fixed", pot=500, cap=250), projects, pledges)
    # c caps first (250/600 < 250/300); then 100s + 300s = 250 gives s = 0.625: a 62.5 and
    # b 187.5; the cent left over goes to the tied remainder listed first (a)
    assert [p.match for p in result.projects] == [63, 187, 250]
    assert result.scale == pytest.approx(0.625)
    capped = match(Rule(kind="fixed", pot=500, cap=200), projects, pledges)
    # c and b capped at 200 each, a gets the remaining 100 (its full raw match)
    assert [p.match for p in capped.projects] == [100, 200, 200]


def test_district_weight_and_eligibility() -> None:
    rule = Rule(kind="fixed", pot=BIG_POT, district_weights={"d3": Decimal("1.5")})
    projects = [Project("a", "d1"), Project("b", "d3"), Project("c", "d3", eligible=False)]
    pledges = [Pledge(p, "x", 1000) for p in "abc"]
    assert [p.match for p in match(rule, projects, pledges).projects] == [1000, 1500, 0]


def test_a_person_pledging_twice_counts_once_with_the_total() -> None:
    rule = Rule(kind="qf", pot=BIG_POT)
    twice = [Pledge("a", "x", 4), Pledge("a", "x", 5), Pledge("a", "y", 9)]
    assert match(rule, [Project("a")], twice).projects[0].raw == pytest.approx(18)


def test_bad_rules_are_refused() -> None:
    with pytest.raises(MatchError):
        Rule.from_dict({"kind": "lottery", "pot": 1})
    with pytest.raises(MatchError):
        Rule.from_dict({"kind": "qf", "pot": 1, "threshold": "-3"})
    with pytest.raises(MatchError):
        match(Rule(kind="qf", pot=1), [Project("a")], [Pledge("b", "x", 1)])


def test_cli_recomputes_from_an_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = {
        "format": "cocity-invest-pledges/1",
        "rule": {"kind": "qf", "pot": 1000, "threshold": "500"},
        "projects": [{"id": "a", "district": "", "eligible": True}, {"id": "b"}],
        "pledges": [
            {"project": "a", "pledger": "p1", "amount": 100},
            {"project": "a", "pledger": "p2", "amount": 400},
            {"project": "b", "pledger": "p3", "amount": 900},
        ],
    }
    path = tmp_path / "call-pledges.json"
    path.write_text(json.dumps(export))
    assert main(["match", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    expected = match(
        Rule.from_dict(export["rule"]),  # type: ignore[arg-type]
        [Project("a"), Project("b")],
        [Pledge("a", "p1", 100), Pledge("a", "p2", 400), Pledge("b", "p3", 900)],
    ).to_dict()
    assert out == json.loads(json.dumps(expected))
    assert out["projects"][1]["match"] == 0  # one pledger: no pair, no match
    # the same pledges as CSV, the rule from the flags
    csv_path = tmp_path / "p.csv"
    csv_path.write_text("project,pledger,amount\na,p1,100\na,p2,400\nb,p3,900\n")
    assert main(["match", str(csv_path), "--rule", "fixed", "--pot", "600", "--json"]) == 0
    fixed = json.loads(capsys.readouterr().out)
    assert [p["match"] for p in fixed["projects"]] == [214, 386]  # 500:900 of 600


def _naive_pairwise(pledges: list[Pledge], m: float) -> dict[str, float]:
    """The formula of Buterin (2019) written out literally, pair by pair."""
    c: dict[tuple[str, str], int] = {}
    for p in pledges:
        c[(p.project, p.pledger)] = c.get((p.project, p.pledger), 0) + p.amount
    projects = sorted({p for p, _ in c})
    people = sorted({i for _, i in c})
    raw = dict.fromkeys(projects, 0.0)
    for x, i in enumerate(people):
        for j in people[x + 1 :]:
            both = [p for p in projects if (p, i) in c and (p, j) in c]
            k = sum(math.sqrt(c[(p, i)] * c[(p, j)]) for p in both)
            for p in both:
                raw[p] += 2 * math.sqrt(c[(p, i)] * c[(p, j)]) * m / (m + k)
    return raw


def test_pairwise_bound_agrees_with_the_literal_formula_on_overlapping_pledgers() -> None:
    import random

    rng = random.Random(7)
    projects = [Project(f"q{n}") for n in range(6)]
    pledges = [
        Pledge(rng.choice(projects).id, f"u{rng.randrange(15)}", rng.choice([1, 50, 400, 9_000]))
        for _ in range(120)
    ]
    funded: dict[str, set[str]] = {}
    for p in pledges:
        funded.setdefault(p.pledger, set()).add(p.project)
    most_shared = max(len(x & y) for i, x in funded.items() for j, y in funded.items() if i < j)
    assert most_shared >= 3  # the case where a pair meets each project k-1 times
    rule = Rule(kind="qf", pot=BIG_POT, threshold=Decimal(300))
    got = {p.id: p.raw for p in match(rule, projects, pledges).projects}
    assert got == pytest.approx(_naive_pairwise(pledges, 300.0))


def test_released_pledges_of_an_ineligible_project_form_no_pairs() -> None:
    m = 10
    rule = Rule(kind="qf", pot=BIG_POT, threshold=Decimal(m))
    pledges = [Pledge(p, who, 40) for p in ("a", "b") for who in ("x", "y")]
    result = match(rule, [Project("a"), Project("b", eligible=False)], pledges)
    assert result.projects[0].raw == pytest.approx(2 * 40 * m / (m + 40))  # only a counts
    assert result.projects[1].match == 0
    assert result.projects[1].pledged == 80  # still shown
