"""Rules on small hand-made elections, tie-breaking, variants and modes."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from cocity.compute.pb.election import Ballot, Election, PBError, Project, TieError, build_profile
from cocity.compute.pb.mes import MESData, _mes_exact, _mes_float, equal_shares
from cocity.compute.pb.tally import tally
from cocity.compute.pb.tiebreak import TieBreak, pick


def make(costs, ballots, budget, vote_type="approval", points=None, ids=None) -> Election:
    ids = ids or [str(i + 1) for i in range(len(costs))]
    projects = [Project(i, Fraction(c)) for i, c in zip(ids, costs, strict=True)]
    bs = []
    for k, b in enumerate(ballots):
        pts = tuple(Fraction(x) for x in points[k]) if points else None
        bs.append(Ballot(tuple(b), pts))
    return Election(
        meta={"budget": str(budget), "vote_type": vote_type},
        projects=projects,
        ballots=bs,
        voter_ballot=np.arange(len(bs), dtype=np.int64),
    )


def test_greedy_skips_projects_that_do_not_fit_and_no_skip_stops() -> None:
    e = make([60, 50, 30], [[0], [0], [0], [1], [1], [2]], 100)
    assert tally(e, "greedy").winners == [0, 2]
    assert tally(e, "greedy", stop_at_first_misfit=True).winners == [0]


def test_greedy_card_prefers_votes_per_cost() -> None:
    e = make([60, 10], [[0], [0], [1]], 60)
    assert tally(e, "greedy").winners == [0]
    assert tally(e, "greedy-card").winners == [1]


def test_threshold_drops_projects_below_the_meta_score() -> None:
    e = make([10, 10], [[0], [0], [1]], 100)
    e.meta["min_project_score_threshold"] = "2"
    assert tally(e, "greedy", threshold=True).winners == [0]
    assert tally(e, "greedy").winners == [0, 1]


def test_mes_is_proportional_where_greedy_is_not() -> None:
    # 6 voters want A and B (cost 50 each), 5 voters want C (cost 50); budget 110
    ballots = [[0, 1]] * 6 + [[2]] * 5
    e = make([50, 50, 50], ballots, 110)
    assert sorted(tally(e, "greedy").winners) == [0, 1]
    assert sorted(tally(e, "mes").winners) == [0, 2]
    assert sorted(tally(e, "phragmen").winners) == [0, 2]


def test_cumulative_points_are_utilities() -> None:
    e = make([50, 50], [[0, 1], [0, 1]], 100, "cumulative", points=[[3, 1], [1, 3]])
    assert sorted(tally(e, "mes").winners) == [0, 1]
    assert sorted(tally(e, "mes-card").winners) == [0, 1]
    e2 = make([60, 60], [[0, 1], [0, 1], [1]], 100, "cumulative", points=[[5, 1], [5, 1], [1]])
    assert tally(e2, "greedy").winners == [0]
    assert tally(e2, "greedy", use_points=False).winners == [1]


def test_ties_follow_the_chain_and_an_unresolved_tie_raises() -> None:
    e = make([10, 10], [[0], [1]], 20, ids=["b", "a"])
    for rule in ("mes", "greedy", "phragmen"):
        assert tally(e, rule).winner_ids(e) == ["a", "b"]  # lexicographic: "a" first
    e3 = make([10, 10], [[0], [1]], 10, ids=["b", "a"])
    assert tally(e3, "greedy").winner_ids(e3) == ["a"]
    lot = [
        tally(e3, "greedy", tie_break=TieBreak("cost-votes-lot", seed=s)).winners for s in range(8)
    ]
    assert {tuple(x) for x in lot} == {(0,), (1,)}  # the lot decides, differently per seed
    with pytest.raises(TieError):
        tally(e, "mes", tie_break=TieBreak(["min-cost", "max-votes"]))
    with pytest.raises(TieError):
        tally(e, "greedy", tie_break=TieBreak(["max-cost"]))
    with pytest.raises(TieError):
        pick([0, 1], [(1,), (1,)])


def test_cost_votes_lot_prefers_cheaper_then_more_votes() -> None:
    e = make([20, 10, 10], [[0], [1], [2], [2]], 10)
    keys = TieBreak("cost-votes-lot").keys(e)
    assert pick([0, 1, 2], keys) == 2


def test_exact_fallback_equals_float_run_on_a_near_tie() -> None:
    e = make([30, 30, 40], [[0], [1], [0, 2], [1, 2]], 100)
    data = MESData.build(build_profile(e))
    keys = TieBreak().keys(e)
    b = Fraction(100, 4)
    assert _mes_exact(data, keys, b).winners == _mes_float(data, keys, b, certify=False).winners
    run = equal_shares(data, keys)
    # every supporter pays in full: the tied prices are known exactly, no rerun is needed
    assert run.exact_prices is None
    assert run.winners == _mes_exact(data, keys, b).winners


def test_a_tie_with_a_partial_payer_is_rerun_in_exact_arithmetic() -> None:
    # C (27) is funded first by voters 3-5 (9 each); A and B then tie exactly at 9 per voter,
    # voter 3 (resp. 4) paying the 1 it has left: such a price is only known by exact arithmetic
    e = make([10, 10, 27], [[0], [1], [2, 0], [2, 1], [2]], 50)
    data = MESData.build(build_profile(e))
    keys = TieBreak().keys(e)
    run = equal_shares(data, keys)
    assert run.exact_prices is not None  # the tie sent the run to exact arithmetic
    assert run.exact_prices[1] == run.exact_prices[2] == Fraction(9, 10)
    assert run.winners == [2, 0, 1]


def test_bad_options_are_refused() -> None:
    e = make([10], [[0]], 10)
    for kwargs in (
        {"rule": "nope"},
        {"rule": "mes", "completion": "nope"},
        {"rule": "greedy", "completion": "add1"},
    ):
        with pytest.raises(PBError):
            tally(e, **kwargs)
    with pytest.raises(PBError):
        TieBreak("nope")
    with pytest.raises(PBError):
        TieBreak(["nope"])
    with pytest.raises(PBError):
        build_profile(e, sat="nope")


def test_zero_cost_and_unsupported_projects() -> None:
    e = make([0, 10, 5], [[0, 1], [1]], 10)
    assert tally(e, "mes").winners == [1]  # cost satisfaction: a free project gives nothing
    assert tally(e, "mes-card").winners == [0, 1]
    assert tally(e, "greedy").winners == [1, 0]  # the free project gives no cost satisfaction
    assert 2 not in tally(e, "phragmen").winners


def test_ties_resolved_without_exact_rerun_match_exact_arithmetic(monkeypatch) -> None:
    # small cost-satisfaction elections tie often (same number of supporters with money left);
    # the float run settles such ties exactly when it can prove the prices, else reruns exactly
    import cocity.compute.pb.mes as mes

    settled = []
    real = mes._exact_ties

    def spy(*args):
        out = real(*args)
        settled.append(out)
        return out

    monkeypatch.setattr(mes, "_exact_ties", spy)
    rng = np.random.default_rng(3)
    for _ in range(300):
        m = int(rng.integers(2, 7))
        costs = [int(c) for c in rng.integers(1, 5, size=m) * 10]
        ballots = [
            sorted(rng.choice(m, size=int(rng.integers(1, m + 1)), replace=False).tolist())
            for _ in range(int(rng.integers(2, 10)))
        ]
        e = make(costs, ballots, int(rng.integers(10, sum(costs) + 1)))
        data = MESData.build(build_profile(e))
        keys = TieBreak().keys(e)
        for step in range(3):
            b = Fraction(e.int_budget(), e.num_voters) + step
            exact = _mes_exact(data, keys, b)
            try:
                run = _mes_float(data, keys, b, certify=True)
            except mes._CloseCall:
                continue
            assert run.winners == exact.winners
    assert sum(len(t) > 1 for t in settled) > 50  # real ties were settled this way


def test_exact_ties_on_a_real_election_match_exact_arithmetic(elections) -> None:
    # Toulouse 2024 under Add1: at most budgets two projects tie exactly because some of their
    # supporters have spent everything
    e = elections["France_Toulouse_2024.pb"]
    data = MESData.build(build_profile(e, use_points=False))
    keys = TieBreak().keys(e)
    for step in (100, 400):
        b = Fraction(e.int_budget(), e.num_voters) + step
        run = _mes_float(data, keys, b, certify=True)  # does not need the exact rerun
        assert run.winners == _mes_exact(data, keys, b).winners


def test_long_inner_products_are_cut_into_pieces_with_the_same_value() -> None:
    from cocity.compute.pb.election import dot

    rng = np.random.default_rng(5)
    for n in (0, 1, 8192, 8193, 30_001):
        a, b = rng.random(n), rng.random(n)
        assert dot(a, b) == pytest.approx(float(a @ b), rel=1e-12, abs=1e-12)
