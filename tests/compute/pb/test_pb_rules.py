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
    assert run.exact_prices is not None  # the tie sent the run to exact arithmetic


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
