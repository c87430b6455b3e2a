"""The EJR-up-to-one audit against pabutools' own EJR check, on random small elections.

pabutools 1.2.3 accepts a group member when ``cost(A_i ∩ W) + max_a cost(a) >= cost(T)``;
Peters, Pierczyński and Skowron (2021), and cocity, require ``>`` for the "up to one" part
(``>=`` only without an added project). With integer costs the two agree once pabutools is given
``max - 1`` as the surplus (``max(..., default=1) - 1`` keeps ``>=`` when all of ``T`` is funded).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from cocity.compute.pb.election import Ballot, Election, Project
from cocity.compute.pb.explain import ejr_violations

pabutools = pytest.importorskip("pabutools")

from pabutools.analysis.justifiedrepresentation import is_EJR_approval  # noqa: E402
from pabutools.election import (  # noqa: E402
    ApprovalBallot,
    ApprovalProfile,
    Cost_Sat,
    Instance,
)
from pabutools.election import Project as PabuProject  # noqa: E402


def _both(costs: list[int], ballots: list[tuple[int, ...]], budget: int) -> tuple[Any, ...]:
    distinct = sorted(set(ballots))
    ours = Election(
        meta={"budget": str(budget), "vote_type": "approval"},
        projects=[Project(str(j + 1), Fraction(c)) for j, c in enumerate(costs)],
        ballots=[Ballot(b) for b in distinct],
        voter_ballot=np.array([distinct.index(b) for b in ballots], dtype=np.int64),
    )
    projects = [PabuProject(str(j + 1), c) for j, c in enumerate(costs)]
    instance = Instance(projects, budget_limit=budget)
    profile = ApprovalProfile([ApprovalBallot([projects[p] for p in b]) for b in ballots])
    return ours, instance, profile, projects


def test_ejr_audit_agrees_with_pabutools() -> None:
    rng = np.random.default_rng(11)
    violated = satisfied = 0
    for _ in range(60):
        m = int(rng.integers(2, 5))
        costs = [int(c) for c in rng.integers(1, 6, size=m)]
        ballots = [
            tuple(sorted(rng.choice(m, size=int(rng.integers(1, m + 1)), replace=False).tolist()))
            for _ in range(int(rng.integers(1, 7)))
        ]
        budget = int(rng.integers(1, sum(costs) + 1))
        winners = [p for p in range(m) if rng.random() < 0.4]
        ours, instance, profile, projects = _both(costs, ballots, budget)
        theirs = is_EJR_approval(
            instance,
            profile,
            Cost_Sat,
            [projects[p] for p in winners],
            up_to_func=lambda x: max(x, default=1) - 1,
        )
        ok = ejr_violations(ours, winners) == []
        assert ok == theirs, (costs, ballots, budget, winners)
        violated += not ok
        satisfied += ok
    assert violated > 5
    assert satisfied > 5
