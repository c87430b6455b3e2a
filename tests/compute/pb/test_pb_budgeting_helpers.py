"""The pure helpers the budgeting app uses: splitting a budget, checking a ballot, and the
canonical result with its hash."""

from __future__ import annotations

from fractions import Fraction

import pytest

from cocity.compute.pb.allocation import need_weights, population_weights, split_by_weights
from cocity.compute.pb.ballot import check_ballot
from cocity.compute.pb.canonical import canonical_json, canonical_result, result_sha256
from cocity.compute.pb.pabulib import parse_pb


def test_split_adds_up_and_gives_leftover_units_to_the_largest_remainders() -> None:
    assert split_by_weights(100, {"a": 1, "b": 1, "c": 1}) == {"a": 34, "b": 33, "c": 33}
    assert split_by_weights(10, {"a": 1, "b": 2}) == {"a": 3, "b": 7}
    out = split_by_weights(1_000_003, population_weights({"x": 123, "y": 456, "z": 789}))
    assert sum(out.values()) == 1_000_003
    with pytest.raises(ValueError, match="positive"):
        split_by_weights(10, {"a": 0})
    with pytest.raises(ValueError, match="negative"):
        split_by_weights(10, {"a": -1, "b": 2})


def test_need_weights_blend_population_and_open_reports() -> None:
    pop = {"a": 1000, "b": 3000}
    # no reports anywhere: by population
    assert need_weights(pop, {}) == {"a": 1000, "b": 3000}
    # all open reports in a: a's index is 4 (its rate is four times the city's), b's is 0
    w = need_weights(pop, {"a": 10, "b": 0})
    assert w == {"a": Fraction(5000), "b": Fraction(3000)}
    # half of the money follows population, half follows the reports
    assert split_by_weights(8000, w) == {"a": 1000 + 4000, "b": 3000}


def test_check_ballot_per_kind() -> None:
    costs = {"1": 60, "2": 30, "3": 30}
    ok = check_ballot("approval", {"1": 1, "2": 1}, costs, budget=100, max_choices=2)
    assert ok.ok
    assert ok.chosen == 2
    assert ok.total_cost == 90
    assert check_ballot(
        "approval", {"1": 1, "2": 1, "3": 1}, costs, budget=100, max_choices=2
    ).problems == ["too_many"]
    assert check_ballot("approval", {"1": 1, "2": 1, "3": 1}, costs, budget=100, max_choices=0).ok
    assert check_ballot("knapsack", {"1": 1, "2": 1, "3": 1}, costs, budget=100).problems == [
        "over_budget"
    ]
    assert check_ballot("knapsack", {"1": 2}, costs, budget=100).problems == ["bad_points", "empty"]
    cum = check_ballot("cumulative", {"1": 7, "2": 3}, costs, budget=100, points=10)
    assert cum.ok
    assert cum.points_used == 10
    assert check_ballot("cumulative", {"1": 8, "2": 3}, costs, budget=100, points=10).problems == [
        "too_many_points"
    ]
    assert check_ballot("approval", {"9": 1}, costs, budget=100).problems == [
        "unknown_project",
        "empty",
    ]
    assert check_ballot("approval", {}, costs, budget=100).problems == ["empty"]


def test_canonical_result_is_sorted_exact_and_hashed() -> None:
    election = parse_pb(
        "META\nkey;value\nbudget;100.50\nvote_type;approval\nPROJECTS\nproject_id;cost\n"
        "10;60.25\n9;30\nVOTES\nvoter_id;vote\n1;10,9\n"
    )
    result = canonical_result(
        election,
        ["9", "10"],
        rule="mes",
        completion="add1",
        tie_break="lexico",
        seed=0,
        use_points=True,
    )
    text = canonical_json(result)
    assert text == (
        '{"budget":"100.5","completion":"add1","costs":{"10":"60.25","9":"30"},"rule":"mes",'
        '"seed":0,"tie_break":"lexico","use_points":true,"winners":["10","9"]}'
    )
    import hashlib

    assert result_sha256(result) == hashlib.sha256(text.encode()).hexdigest()
    other = canonical_result(
        election, ["9"], rule="mes", completion="add1", tie_break="lexico", seed=0, use_points=True
    )
    assert result_sha256(other) != result_sha256(result)
