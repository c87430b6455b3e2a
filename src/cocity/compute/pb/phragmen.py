"""Sequential Phragmén for approval ballots (other ballots count as approving what they list).

Voters carry a load, initially 0. Funding project ``p`` (cost ``c``, supporters ``N_p``) spreads
``c`` over its supporters so that they all end with the same load
``(sum of their loads + c) / |N_p|``. Each round funds the project with the smallest resulting load.
As in pabutools, the rule stops as soon as a project with the smallest load does not fit in the
budget left; projects that cost more than the whole budget are never considered.

Loads are screened in floating point and the candidates within a relative 1e-9 of the smallest are
recomputed exactly: a voter's load is the exact load of the last funded project they support, so
the exact value of a candidate is ``(sum_t L_t * weight(N_p, last = t) + c) / |N_p|``.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np
from scipy.sparse import csr_matrix

from cocity.compute.pb.election import Profile
from cocity.compute.pb.result import Outcome
from cocity.compute.pb.tiebreak import pick

TOL = 1e-9


def sequential_phragmen(
    profile: Profile, tie_keys: Sequence[tuple[object, ...]], *, exact: bool = True
) -> Outcome:
    m = profile.num_projects
    ptr, groups, _ = profile.supporters()
    w = profile.weights
    matrix = csr_matrix(
        (np.ones(len(groups)), groups, ptr), shape=(m, profile.num_groups), dtype=np.float64
    )
    score = np.asarray(matrix @ w.astype(np.float64)).round().astype(np.int64)
    costs = profile.costs
    cost_f = np.asarray(costs, dtype=np.float64)
    budget = profile.budget
    remaining = np.array([costs[p] <= budget for p in range(m)])
    load_f = np.zeros(profile.num_groups)
    last = np.full(profile.num_groups, -1, dtype=np.int64)  # index into exact_loads; -1: none
    exact_loads: list[Fraction] = []
    winners: list[int] = []
    loads: list[Fraction | float] = []
    spent = 0
    wf = w.astype(np.float64)

    def exact_load(p: int) -> Fraction:
        g = groups[ptr[p] : ptr[p + 1]]
        weight_last = np.bincount(last[g] + 1, weights=w[g], minlength=len(exact_loads) + 1)
        total = Fraction(costs[p])
        for t, cnt in enumerate(weight_last[1:].tolist()):
            if cnt:
                total += exact_loads[t] * round(cnt)
        return total / int(score[p])

    while remaining.any():
        supported = remaining & (score > 0)
        new_load: Fraction | float
        if supported.any():
            vals = np.full(m, np.inf)
            vals[supported] = (
                np.asarray(matrix @ (wf * load_f))[supported] + cost_f[supported]
            ) / score[supported]
            best = float(vals.min())
            near = np.flatnonzero(vals <= best * (1 + TOL)).tolist()
            if exact:
                ex = {p: exact_load(p) for p in near}
                low = min(ex.values())
                tied = [p for p in near if ex[p] == low]
                new_load = low
            else:
                tied = near
                new_load = best
        else:  # only unsupported projects are left: their load is infinite, all tied
            tied = np.flatnonzero(remaining).tolist()
            new_load = 0.0
        if any(spent + costs[p] > budget for p in tied):
            break
        win = pick(tied, tie_keys)
        if not exact and supported.any():
            new_load = float(vals[win])
        g = groups[ptr[win] : ptr[win + 1]]
        if len(g):
            exact_loads.append(new_load if isinstance(new_load, Fraction) else Fraction(new_load))
            last[g] = len(exact_loads) - 1
            load_f[g] = float(new_load)
        winners.append(win)
        loads.append(new_load)
        spent += costs[win]
        remaining[win] = False
    return Outcome(rule="phragmen", winners=winners, details={"loads": loads})
