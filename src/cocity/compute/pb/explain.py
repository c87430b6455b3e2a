"""Explanations and audits: why a project won or lost under MES, where a voter's share went,
an EJR check, and a table of what each rule selects."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import numpy as np

from cocity.compute.pb.election import (
    Election,
    IntArray,
    PBError,
    Profile,
    build_profile,
    dot,
)
from cocity.compute.pb.mes import MESData, MESRun, equal_shares
from cocity.compute.pb.tally import tally
from cocity.compute.pb.tiebreak import TieBreak


@dataclass
class ProjectExplanation:
    project: str
    won: bool
    cost: Fraction
    supporters: int
    # winners: what each supporter paid (per unit of utility times their utility)
    price_per_utility: float | None = None
    # losers: money the supporters still held at the end, the shortfall, and the cost at which
    # the project would have been funded (None if it would not be funded even for free)
    supporters_money_left: float | None = None
    shortfall: float | None = None
    winning_cost: Fraction | None = None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["cost"] = str(self.cost)
        d["winning_cost"] = None if self.winning_cost is None else str(self.winning_cost)
        return d


def _run(election: Election, sat: str, tb: TieBreak) -> tuple[Profile, MESData, MESRun]:
    profile = build_profile(election, sat=sat)
    data = MESData.build(profile)
    return profile, data, equal_shares(data, tb.keys(election), exact=True)


def explain_project(
    election: Election, project_id: str, *, sat: str = "cost", tie_break: str = "lexico"
) -> ProjectExplanation:
    """Explain the MES (no completion) decision about one project."""
    tb = TieBreak(tie_break)
    keys = tb.keys(election)
    p = election.project_index(project_id)
    profile, data, run = _run(election, sat, tb)
    g = data.sup_g[p]
    n_sup = int(profile.weights[g].sum())
    cost = election.projects[p].cost
    if p in run.winners or p in run.free:
        rho = run.prices[run.winners.index(p)] if p in run.winners else 0.0
        return ProjectExplanation(project_id, True, cost, n_sup, price_per_utility=rho)
    left = dot(profile.weights[g].astype(np.float64), run.budgets[g]) if len(g) else 0.0
    int_cost = profile.costs[p]
    out = ProjectExplanation(
        project_id,
        False,
        cost,
        n_sup,
        supporters_money_left=left,
        shortfall=max(0.0, int_cost - left) / election.scale,
    )
    if not len(g):
        out.notes.append("nobody supports this project")
        return out

    # the largest integer cost at which MES would fund the project (binary search)
    def funded(c: int) -> bool:
        costs = list(profile.costs)
        costs[p] = c
        utils = profile.utils
        if sat == "cost":
            utils = np.where(
                profile.indices == p, profile.utils // max(profile.costs[p], 1) * c, utils
            )
        prof2 = replace(profile, costs=costs, utils=utils)
        r = equal_shares(MESData.build(prof2), keys, exact=True)
        return p in r.winners or p in r.free

    lo, hi = 0, int_cost  # funded(lo) assumed, not funded(hi)
    if not funded(1):
        out.notes.append("not funded even at a cost of one unit")
        return out
    lo = 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if funded(mid):
            lo = mid
        else:
            hi = mid
    out.winning_cost = Fraction(lo, election.scale)
    return out


def voter_shares(
    election: Election, voter_index: int, *, sat: str = "cost", tie_break: str = "lexico"
) -> list[tuple[str, float]]:
    """Where one voter's share went under MES: (project id, amount paid) in selection order."""
    if not 0 <= voter_index < election.num_voters:
        raise PBError(f"no voter number {voter_index}")
    tb = TieBreak(tie_break)
    profile, _data, run = _run(election, sat, tb)
    ballot = election.ballots[int(election.voter_ballot[voter_index])]
    budget = float(run.budget_per_voter)
    paid: list[tuple[str, float]] = []
    costs = profile.costs
    for p, rho in zip(run.winners, run.prices, strict=True):
        if p in ballot.projects:
            pos = ballot.projects.index(p)
            u = float(costs[p] if sat == "cost" else 1)
            if ballot.points is not None:
                u *= float(ballot.points[pos])
            amount = min(budget, rho * u)
            budget -= amount
            paid.append((election.projects[p].id, amount / election.scale))
    return paid


def ejr_violations(
    election: Election, winners: list[int], *, max_sets: int = 5_000_000
) -> list[dict[str, Any]]:
    """Every violation of EJR up to one project (cost satisfaction, approval ballots).

    Following Peters, Pierczyński and Skowron (2021): a group ``S`` of voters who all approve a set
    of projects ``T`` is *T-cohesive* if ``|S| / n * budget >= cost(T)``. The outcome ``W``
    satisfies EJR up to one project if every T-cohesive group has a member ``i`` with
    ``cost(A_i ∩ W) >= cost(T)``, or with ``cost(A_i ∩ W) + cost(a) > cost(T)`` for some
    ``a`` in ``T`` not funded. Cardinal ballots count as approval of the listed projects.

    For a fixed ``T`` the check is exact: the voters approving all of ``T`` that fail both
    conditions form the largest possible violating group. Every ``T`` that could be cohesive is
    enumerated: the voters approving all of ``T`` only get fewer and the cost only grows as ``T``
    grows, so the search extends ``T`` one project at a time (in index order) only while
    ``weight(approvers of T) * budget >= n * cost(T)``. The result is complete; if more than
    ``max_sets`` sets would have to be examined, :class:`PBError` is raised instead of returning a
    partial answer. Each violation names ``T`` (project ids) and the size of the group.
    """
    n = election.num_voters
    costs = election.int_costs()
    budget = election.int_budget()
    chosen = set(winners)
    w_all = election.ballot_weights()
    keep = [i for i in range(len(election.ballots)) if w_all[i] > 0]
    ballots = [election.ballots[i].projects for i in keep]
    weights = w_all[keep].astype(np.int64)
    m = len(election.projects)
    member = np.zeros((m, len(ballots)), dtype=bool)
    for k, projects in enumerate(ballots):
        member[list(projects), k] = True
    # cost of what each (distinct) ballot got funded
    got = np.array([sum(costs[p] for p in set(b) if p in chosen) for b in ballots], np.int64)
    out: list[dict[str, Any]] = []
    examined = 0

    def visit(t: list[int], cost_t: int, idx: IntArray, max_unfunded: int, last: int) -> None:
        nonlocal examined
        examined += 1
        if examined > max_sets:
            raise PBError(f"EJR check needs more than {max_sets} candidate sets")
        g = got[idx]  # (if T is funded, every approver got at least cost(T): no violation)
        bad = (g < cost_t) & (g + max_unfunded <= cost_t)
        group = int(weights[idx][bad].sum())
        if group and group * budget >= n * cost_t:
            ids = [election.projects[p].id for p in t]
            out.append({"projects": ids, "unsatisfied_supporters": group})
        for q in range(last + 1, m):
            c = cost_t + costs[q]
            sub = idx[member[q, idx]]
            if sub.size == 0 or int(weights[sub].sum()) * budget < n * c:
                continue
            unfunded = max_unfunded if q in chosen else max(max_unfunded, costs[q])
            visit([*t, q], c, sub, unfunded, q)

    everyone = np.arange(len(ballots), dtype=np.int64)
    for p in range(m):
        idx = everyone[member[p]]
        if idx.size and int(weights[idx].sum()) * budget >= n * costs[p]:
            visit([p], costs[p], idx, 0 if p in chosen else costs[p], p)
    return out


def compare(election: Election, *, exact: bool = True) -> list[dict[str, Any]]:
    """What each rule selects: one row per (rule, completion)."""
    rows = []
    for rule, completion in [
        ("greedy", "none"),
        ("greedy-card", "none"),
        ("mes", "none"),
        ("mes", "add1"),
        ("mes", "add1-exhaustive"),
        ("mes", "add1u"),
        ("mes-card", "none"),
        ("phragmen", "none"),
    ]:
        out = tally(election, rule, completion=completion, exact=exact)
        rows.append(
            {
                "rule": rule,
                "completion": completion,
                "winners": out.winner_ids(election),
                "spent": out.spent(election),
                "seconds": out.details["seconds"],
            }
        )
    return rows
