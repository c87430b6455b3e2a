"""Golden tests: the published results of elections decided by Equal Shares."""

from __future__ import annotations

import pytest
from pb_support import FILES

from cocity.compute.pb.tally import tally


def published(e) -> set[str]:
    return {p.id for p in e.projects if p.meta.get("selected", "0") not in ("0", "")}


@pytest.mark.parametrize(
    ("name", "completion", "count", "is_published"),
    [
        ("Poland_Wieliczka_2023_Green_Budget.pb", "add1", 30, True),
        ("Poland_Wieliczka_2023_Green_Budget.pb", "add1-exhaustive", 31, False),
        ("Poland_Swiecie_2023.pb", "add1", 17, True),
        ("Poland_Swiecie_2023.pb", "add1-exhaustive", 17, True),
        ("Netherlands_Assen_2024.pb", "add1", 9, True),
        ("Netherlands_Assen_2024.pb", "add1-exhaustive", 9, True),
    ],
)
def test_published_equal_shares_results(elections, name, completion, count, is_published) -> None:
    e = elections[name]
    out = tally(e, "mes", completion=completion)
    ids = out.winner_ids(e)
    assert len(ids) == count
    assert (set(ids) == published(e)) is is_published
    assert out.spent(e) <= e.budget


@pytest.mark.parametrize(
    ("name", "exact"),
    [
        ("Canada_Stanford_Dataset_PB_Dieppe_2018_vote_approvals.pb", True),
        ("Canada_Stanford_Dataset_PB_Dieppe_2018_vote_approvals.pb", False),
        pytest.param("Switzerland_Zurich_SN.pb", False, marks=pytest.mark.slow),
    ],
)
def test_jumping_gives_the_outcome_of_stepping_by_one(elections, name, exact) -> None:
    e = elections[name]
    for completion in ("add1", "add1-exhaustive"):
        step = tally(e, "mes", completion=completion, exact=exact, jump=False)
        jump = tally(e, "mes", completion=completion, exact=exact, jump=True)
        assert jump.winners == step.winners
        assert jump.details["steps"] <= step.details["steps"]


@pytest.mark.slow
def test_jumping_backs_off_where_the_outcome_changes_at_nearly_every_step(elections) -> None:
    # 26,518 MES runs stepping by one; a next-change computation costs about fifty of them and
    # skips one or two steps here, so the jump must stop trying (a few dozen computations)
    e = elections["Hungary_Budapest_2025_VIII_Jozsefvaros.pb"]
    step = tally(e, "mes", completion="add1-exhaustive", exact=False)
    jump = tally(e, "mes", completion="add1-exhaustive", exact=False, jump=True)
    assert jump.winners == step.winners
    assert step.details["steps"] == 26_518
    assert jump.details["jump_checks"] < 200


def test_add1u_fills_the_budget_greedily(elections) -> None:
    e = elections["Netherlands_Assen_2024.pb"]
    add1 = tally(e, "mes", completion="add1")
    add1u = tally(e, "mes", completion="add1u")
    assert add1u.winners[: len(add1.winners)] == add1.winners
    assert len(add1u.winners) == 10
    left = e.budget - add1u.spent(e)
    assert all(p.cost > left for j, p in enumerate(e.projects) if j not in add1u.winners)


@pytest.mark.slow
@pytest.mark.parametrize("name", FILES)
def test_every_step_a_jump_skips_has_the_outcome_of_the_step_it_jumps_from(elections, name):
    # the jump's promise, checked on every shared file over the first 12 Add1 steps: every
    # integer step it would skip gives exactly the outcome of the step it jumps from
    from fractions import Fraction

    from cocity.compute.pb.completion import jump_step
    from cocity.compute.pb.election import build_profile
    from cocity.compute.pb.mes import MESData, equal_shares
    from cocity.compute.pb.tiebreak import TieBreak

    e = elections[name]
    data = MESData.build(build_profile(e, use_points=False))
    keys = TieBreak().keys(e)
    b0 = Fraction(data.profile.budget, max(data.profile.num_voters, 1))
    runs = [equal_shares(data, keys, budget_per_voter=b0 + k, exact=False) for k in range(12)]
    for k, run in enumerate(runs[:-1]):
        for j in range(k + 1, min(k + jump_step(data, run), len(runs))):
            assert runs[j].winners == run.winners
