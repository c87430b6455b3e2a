"""Completions of the Method of Equal Shares: Add1 in its variants, and utilitarian fill.

MES often leaves part of the budget unspent. Add1 reruns MES with every voter's budget raised by
one unit of money (``b, b + 1, b + 2, ...``, starting from ``b = budget / voters``):

* ``add1-exhaustive`` stops at the first outcome that is exhaustive (no further eligible project
  fits in what is left) and otherwise at the last outcome before one that overspends. This is what
  pabutools does with ``voter_budget_increment=1``.
* ``add1`` keeps raising the budget as long as the next outcome does not overspend, and returns
  the last outcome that did not (the rule behind the published Wieliczka 2023 result). It also
  stops once every eligible project is funded.
* ``add1u``: ``add1``, then the projects that still fit are funded greedily by votes.

**Jumping.** Stepping by one needs hundreds of reruns on a large election. The outcome of MES,
as a function of the per-voter budget ``b``, only changes at a finite set of points: every
decision the run takes (which project is affordable, which is cheapest, which supporters pay all
they have) compares two quantities that are *affine* in ``b`` as long as the previous decisions
stay the same. ``next_change`` computes, from one run, the smallest ``b' > b`` at which any of these
comparisons could flip. Every integer step strictly before ``b'`` gives the same outcome as ``b``,
hence the same feasibility and exhaustiveness answers, so stepping would move on through all of
them; the jump goes directly to the first step at or after ``b'`` (less a safety margin), where the
full, exact MES is run again. The outcome is therefore the one stepping by one gives; the tests
check this on every file.

Computing ``b'`` costs as much as tens of MES runs, which is wasted where the outcome changes at
nearly every step (Budapest 2025 VIII: 26,516 steps, a computation skipping about one step for
the price of fifty runs). A computation *pays* when the runs it saves took longer than it did
(both timed as Add1 goes). After one that does not pay, the next comes 2, 4, 8, ... (at most
1,024) steps later, stepping by one in between; one that pays brings the next back to the very
next step. Stepping by one is the reference, so this changes only the cost, never the outcome.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from cocity.compute.pb.election import PBError
from cocity.compute.pb.mes import MESData, MESRun, equal_shares

COMPLETIONS = ("none", "add1", "add1-exhaustive", "add1u")


MAX_JUMP_WAIT = 1024  # plain steps between next-change computations, at most


@dataclass
class Completed:
    winners: list[int]
    run: MESRun
    steps: int  # how many MES runs were made
    increments: int  # final per-voter budget minus the initial one
    jump_checks: int = 0  # how many next-change computations the jump made


def _cost(data: MESData, run: MESRun) -> int:
    costs = data.profile.costs
    return sum(costs[p] for p in run.free) + sum(costs[p] for p in run.winners)


def _exhaustive(data: MESData, run: MESRun) -> bool:
    spent = _cost(data, run)
    chosen = set(run.winners)
    costs = data.profile.costs
    budget = data.profile.budget
    return all(p in chosen or spent + costs[p] > budget for p in data.eligible)


def add1(
    data: MESData,
    tie_keys: Sequence[tuple[object, ...]],
    *,
    variant: str = "add1-exhaustive",
    exact: bool = True,
    jump: bool = False,
    max_steps: int = 10_000_000,
) -> Completed:
    if variant not in ("add1", "add1-exhaustive"):
        raise PBError(f"unknown Add1 variant {variant!r}")
    prof = data.profile
    b0 = Fraction(prof.budget, max(prof.num_voters, 1))
    k = 0
    started = time.perf_counter()
    run = equal_shares(data, tie_keys, budget_per_voter=b0, exact=exact)
    run_seconds = time.perf_counter() - started  # time spent in MES runs, to price a jump
    steps = 1
    prev: MESRun | None = None
    prev_k = 0
    n_eligible = len(data.eligible)
    checks, wait, waited = 0, 1, 0  # next-change computations; back-off after useless ones
    while True:
        if _cost(data, run) > prof.budget:
            if prev is None:  # pragma: no cover - MES at b0 never overspends
                raise PBError("MES overspent at the initial budget")
            return Completed(_all(prev), prev, steps, prev_k, checks)
        if variant == "add1-exhaustive" and _exhaustive(data, run):
            return Completed(_all(run), run, steps, k, checks)
        if len(run.winners) == n_eligible:
            return Completed(_all(run), run, steps, k, checks)
        if steps >= max_steps:
            raise PBError(f"Add1 did not finish within {max_steps} runs")
        prev, prev_k = run, k
        step = 1
        if jump and waited + 1 >= wait:
            started = time.perf_counter()
            step = jump_step(data, run)
            spent = time.perf_counter() - started
            checks += 1
            waited = 0
            pays = (step - 1) * run_seconds / steps > spent
            wait = 1 if pays else min(2 * wait, MAX_JUMP_WAIT)
        elif jump:
            waited += 1
        k += step
        started = time.perf_counter()
        run = equal_shares(data, tie_keys, budget_per_voter=b0 + k, exact=exact)
        run_seconds += time.perf_counter() - started
        steps += 1


def jump_step(data: MESData, run: MESRun) -> int:
    """How many unit steps Add1 may skip after ``run``: to the first integer step at or after the
    next budget at which the outcome can change (less a margin against rounding)."""
    from cocity.compute.pb.jump import next_change

    b = float(run.budget_per_voter)
    gap = next_change(data, run) - b
    if not np.isfinite(gap):  # no decision of the run depends on the budget any more
        return 10**9
    return max(1, int(np.ceil(gap - 1e-6 * max(1.0, b))))


def _all(run: MESRun) -> list[int]:
    return list(run.free) + list(run.winners)


def utilitarian_fill(
    winners: list[int],
    costs: Sequence[int],
    budget: int,
    votes: Sequence[int],
    tie_keys: Sequence[tuple[object, ...]],
) -> list[int]:
    """Fund, by decreasing votes, every further project that still fits."""
    out = list(winners)
    left = budget - sum(costs[p] for p in out)
    chosen = set(out)
    rest = sorted(
        (p for p in range(len(costs)) if p not in chosen),
        key=lambda p: (-votes[p], tie_keys[p]),
    )
    for p in rest:
        if costs[p] <= left:
            out.append(p)
            left -= costs[p]
    return out
