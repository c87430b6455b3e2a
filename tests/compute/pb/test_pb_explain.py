"""Explanations and audits."""

from __future__ import annotations

import pytest

from cocity.compute.pb.election import PBError
from cocity.compute.pb.explain import ejr_violations, explain_project, voter_shares
from cocity.compute.pb.tally import tally


def test_losing_project_shortfall_and_winning_cost(elections) -> None:
    e = elections["Netherlands_Assen_2024.pb"]
    losers = [p.id for j, p in enumerate(e.projects) if j not in tally(e, "mes").winners]
    ex = explain_project(e, losers[0])
    assert not ex.won
    assert ex.shortfall > 0
    assert ex.winning_cost is None or ex.winning_cost < ex.cost
    if ex.winning_cost is not None:  # at that cost it does win
        import dataclasses
        from fractions import Fraction

        j = e.project_index(losers[0])
        e2 = dataclasses.replace(e, projects=list(e.projects))
        e2.projects[j] = dataclasses.replace(e.projects[j], cost=Fraction(ex.winning_cost))
        assert j in tally(e2, "mes").winners


def test_voter_shares_add_up_to_at_most_the_share(elections) -> None:
    e = elections["Poland_Swiecie_2023.pb"]
    share = e.budget / e.num_voters
    total = 0.0
    for v in range(0, e.num_voters, 97):
        paid = voter_shares(e, v)
        assert sum(a for _, a in paid) <= float(share) + 1e-9
        total += sum(a for _, a in paid)
    assert total > 0
    with pytest.raises(PBError):
        voter_shares(e, -1)


def test_ejr_check_flags_greedy_but_not_mes(elections) -> None:
    e = elections["Poland_Wieliczka_2023_Green_Budget.pb"]
    assert ejr_violations(e, tally(e, "greedy").winners)
    assert ejr_violations(e, tally(e, "mes", completion="add1").winners) == []
