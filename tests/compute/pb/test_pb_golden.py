"""Golden tests: the published results of elections decided by Equal Shares."""

from __future__ import annotations

import pytest

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


def test_add1u_fills_the_budget_greedily(elections) -> None:
    e = elections["Netherlands_Assen_2024.pb"]
    add1 = tally(e, "mes", completion="add1")
    add1u = tally(e, "mes", completion="add1u")
    assert add1u.winners[: len(add1.winners)] == add1.winners
    assert len(add1u.winners) == 10
    left = e.budget - add1u.spent(e)
    assert all(p.cost > left for j, p in enumerate(e.projects) if j not in add1u.winners)
