"""The Method of Equal Shares (MES) with additive utilities (cost or cardinality satisfaction).

Every voter starts with an equal share ``b`` of the budget. In each round, a project ``p`` costing
``c`` is affordable if its supporters together still hold ``c``; its *price* ``rho`` is the smallest
number such that, with each supporter ``i`` paying ``min(budget_i, rho * u_i(p))``, the payments add
up to ``c``. The affordable project with the smallest ``rho`` is funded and its supporters pay; the
rule stops when no project is affordable.

Two arithmetic modes give the same winners:

* ``exact=True`` (official results): the run is made in floating point while checking every
  decision for a safety margin (relative 1e-9, many orders above the rounding error of the
  computation). When every decision clears its margin, the floating point run took the same
  decisions as exact arithmetic. When one does not (a tie or a near tie), the whole run is redone
  with :class:`fractions.Fraction` arithmetic, and ties are broken by the tie-breaking chain.
* ``exact=False`` (previews): the floating point run, with prices within the margin treated as tied.

Identical ballots are merged into groups with a weight; their budgets stay identical in every
round, so grouping changes nothing (also in exact arithmetic).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from cocity.compute.pb.election import FloatArray, IntArray, Profile, dot
from cocity.compute.pb.tiebreak import pick

TOL = 1e-9


class _CloseCall(Exception):  # noqa: N818 — a signal to redo the step exactly, not an error
    """A decision of the floating point run is within the safety margin."""


@dataclass
class MESRun:
    """One run of MES at a given per-voter budget."""

    winners: list[int]
    prices: list[float]  # rho of each winner, in selection order
    exact: bool
    budget_per_voter: Fraction
    budgets: FloatArray  # each group's (per voter) budget left at the end
    exact_prices: list[Fraction] | None = None
    free: list[int] = field(default_factory=list)  # supported projects costing nothing


@dataclass
class MESData:
    """Per-project supporter arrays, prepared once and reused by every run (Add1 reruns MES)."""

    profile: Profile
    ptr: IntArray
    groups: IntArray
    utils: IntArray
    eligible: list[int]  # supported projects with a positive cost
    free: list[int]  # supported projects with cost 0 (funded before MES starts)
    total_wu: FloatArray
    sup_g: list[IntArray] = field(default_factory=list)  # per project: supporter groups
    sup_w: list[FloatArray] = field(default_factory=list)  # their weights
    sup_u: list[FloatArray] = field(default_factory=list)  # their utilities
    sup_wu: list[FloatArray] = field(default_factory=list)  # weight * utility
    sup_inv_u: list[FloatArray] = field(default_factory=list)  # 1 / utility
    total_w: list[float] = field(default_factory=list)  # per project: number of supporters
    uniform: list[float] = field(default_factory=list)  # the utility if all supporters share it
    lower0: list[float] = field(default_factory=list)  # cost / total utility: lowest price
    sup_wu_int: list[IntArray] = field(default_factory=list)  # weight * utility, exactly

    @classmethod
    def build(cls, profile: Profile) -> MESData:
        ptr, groups, utils = profile.supporters()
        w = profile.weights.astype(np.float64)
        m = profile.num_projects
        total = np.zeros(m)
        eligible: list[int] = []
        free: list[int] = []
        for p in range(m):
            a, b = ptr[p], ptr[p + 1]
            total[p] = dot(w[groups[a:b]], utils[a:b].astype(np.float64))
            if b > a and total[p] > 0:
                (eligible if profile.costs[p] > 0 else free).append(p)
        sup_g = [groups[ptr[p] : ptr[p + 1]] for p in range(m)]
        sup_w = [w[g] for g in sup_g]
        sup_u = [utils[ptr[p] : ptr[p + 1]].astype(np.float64) for p in range(m)]
        sup_wu = [a * b for a, b in zip(sup_w, sup_u, strict=True)]
        inv_u = [1.0 / u for u in sup_u]
        total_w = [float(x.sum()) for x in sup_w]
        uniform = [float(u[0]) if u.size and (u == u[0]).all() else 0.0 for u in sup_u]
        lower0 = [profile.costs[p] / total[p] if total[p] > 0 else np.inf for p in range(m)]
        wi = profile.weights
        if utils.size and int(utils.max()) * int(wi.sum()) >= 2**62:  # would overflow int64
            wi, utils_i = wi.astype(object), utils.astype(object)
        else:
            utils_i = utils
        wu_int = [wi[g] * utils_i[ptr[p] : ptr[p + 1]] for p, g in enumerate(sup_g)]
        return cls(
            profile, ptr, groups, utils, eligible, free, total,
            sup_g, sup_w, sup_u, sup_wu, inv_u, total_w, uniform, lower0, wu_int,
        )  # fmt: skip


def equal_shares(
    data: MESData,
    tie_keys: Sequence[tuple[object, ...]],
    *,
    budget_per_voter: Fraction | None = None,
    exact: bool = True,
) -> MESRun:
    prof = data.profile
    if budget_per_voter is None:
        budget_per_voter = Fraction(prof.budget, max(prof.num_voters, 1))
    try:
        return _mes_float(data, tie_keys, budget_per_voter, certify=exact)
    except _CloseCall:
        return _mes_exact(data, tie_keys, budget_per_voter)


def _price_float(
    c: float, bud: FloatArray, u: FloatArray, w: FloatArray, wu: FloatArray, total_wu: float
) -> float:
    """Smallest rho with sum(w * min(bud, rho * u)) == c (the project must be affordable)."""
    rho = c / total_wu
    poor = bud < rho * u
    if not poor.any():
        return rho
    count = int(poor.sum())
    while True:
        rich_wu = total_wu - float(wu[poor].sum())
        if rich_wu <= 0:  # everyone pays everything: affordable only at equality
            return float((bud / u).max())
        rho = (c - dot(w[poor], bud[poor])) / rich_wu
        poor = bud < rho * u
        new_count = int(poor.sum())
        if new_count == count:  # the poor set only grows, so an equal size means no change
            return rho
        count = new_count


def _fill(target: float, r: FloatArray, w: FloatArray, total: float, start: float) -> float:
    """Smallest ``x`` with ``sum(w * min(r, x)) == target``, given a lower bound ``start``.

    Newton's method on the concave, increasing left side: from below, each step stays below the
    solution, and the set ``{r < x}`` of those paying all they have only grows, so the step after
    which that set keeps its size gives the solution exactly (up to rounding).
    """
    poor = r < start
    count = int(np.count_nonzero(poor))
    if not count:  # nobody is short at the lower bound, so nobody is at the (smaller) solution
        return target / total
    x = start
    while True:
        # Newton step: sum(w * min(r, x)) has slope ``rich`` (the weight of r >= x) at x
        rich = total - dot(w, poor.astype(np.float64))
        if rich <= 0:  # everyone pays everything: affordable only at equality
            return float(r.max())
        x += (target - dot(np.minimum(r, x), w)) / rich
        poor = r < x
        new_count = int(np.count_nonzero(poor))
        if new_count <= count:  # the set only grows (fewer would be rounding): no change
            return x
        count = new_count


def _mes_float(
    data: MESData,
    tie_keys: Sequence[tuple[object, ...]],
    b: Fraction,
    *,
    certify: bool,
) -> MESRun:
    prof = data.profile
    budgets = np.full(prof.num_groups, float(b))
    fuzzy = np.zeros(prof.num_groups, dtype=bool)
    slack = TOL * float(b)  # absolute margin for budgets (their rounding grows with b, not them)
    costs = prof.costs
    sup_g, sup_w, uniform = data.sup_g, data.sup_w, data.uniform
    active = list(data.eligible)
    lower = list(data.lower0)  # rho only grows in a run: last price seen is a lower bound
    winners: list[int] = []
    prices: list[float] = []
    key = lower.__getitem__
    margin = 1.0 + TOL
    while active:
        active.sort(key=key)
        best = np.inf
        evaluated: list[tuple[int, float, FloatArray]] = []
        dropped: list[int] = []
        for p in active:
            if lower[p] > best * margin:
                break
            bud = budgets.take(sup_g[p])
            wg = sup_w[p]
            c = float(costs[p])
            avail = dot(bud, wg)
            if certify and abs(avail - c) <= TOL * c:
                raise _CloseCall
            if avail < c:
                dropped.append(p)
                continue
            u = uniform[p]
            if u:  # every supporter has utility u: solve for the payment rho * u
                rho = _fill(c, bud, wg, data.total_w[p], lower[p] * u) / u
            else:
                rho = _fill(c, bud * data.sup_inv_u[p], data.sup_wu[p], data.total_wu[p], lower[p])
            lower[p] = rho
            evaluated.append((p, rho, bud))
            if rho < best:
                best = rho
        for p in dropped:
            active.remove(p)
        if not evaluated:
            break
        limit = best * margin
        tied = [p for p, rho, _ in evaluated if rho <= limit]
        if len(tied) > 1 and certify:
            close = [(p, x) for p, _, x in evaluated if p in tied]
            tied = _exact_ties(data, close, fuzzy, slack)
        win = tied[0] if len(tied) == 1 else pick(tied, tie_keys)
        rho = lower[win]
        bud = next(x for p, _, x in evaluated if p == win)
        u = uniform[win]
        pay = rho * u if u else rho * data.sup_u[win]
        left = bud - pay
        if certify:  # who may have paid exactly all they had (see _exact_ties)
            near = np.abs(left) <= TOL * pay + slack
            if near.any():
                fuzzy[sup_g[win][near]] = True
        budgets[sup_g[win]] = np.maximum(left, 0.0)
        active.remove(win)
        winners.append(win)
        prices.append(rho)
    return MESRun(
        winners=winners,
        prices=prices,
        exact=certify,
        budget_per_voter=b,
        budgets=budgets,
        free=list(data.free),
    )


def _exact_ties(
    data: MESData,
    close: list[tuple[int, FloatArray]],
    fuzzy: npt.NDArray[np.bool_],
    slack: float,
) -> list[int]:
    """The projects with the exactly smallest price, among prices within the margin of a tie.

    A price is known exactly when each supporter either has nothing left for certain (a budget
    that became 0 by paying all of it, not within the margin of paying exactly all of it), or
    clearly pays the price in full: the price is then the cost over the total utility of the
    supporters with money left, whatever their budgets. Cost satisfaction makes such ties common
    (every project with the same number of supporters with money left has the same price). When
    a price is not known this way, the run is redone in exact arithmetic.
    """
    costs = data.profile.costs
    exact: dict[int, Fraction] = {}
    for p, bud in close:
        zero = bud == 0.0
        if fuzzy[data.sup_g[p][zero]].any():
            raise _CloseCall
        paying = ~zero
        denom = int(data.sup_wu_int[p][paying].sum())
        if denom <= 0:
            raise _CloseCall
        rho = Fraction(costs[p], denom)
        u = data.uniform[p] or data.sup_u[p][paying]
        if not bool(np.all(bud[paying] >= float(rho) * u * (1.0 + TOL) + slack)):
            raise _CloseCall
        exact[p] = rho
    low = min(exact.values())
    return [p for p, _ in close if exact[p] == low]


def _mes_exact(data: MESData, tie_keys: Sequence[tuple[object, ...]], b: Fraction) -> MESRun:
    """MES in exact rational arithmetic (used when the floating point run meets a close call)."""
    prof = data.profile
    w = prof.weights.tolist()
    budgets: list[Fraction] = [b] * prof.num_groups
    costs = prof.costs
    sup: dict[int, tuple[list[int], list[int]]] = {}
    for p in data.eligible:
        a, e = data.ptr[p], data.ptr[p + 1]
        sup[p] = (data.groups[a:e].tolist(), data.utils[a:e].tolist())
    total_wu = {p: sum(w[g] * u for g, u in zip(*sup[p], strict=True)) for p in data.eligible}
    active = list(data.eligible)
    lower: dict[int, Fraction] = {p: Fraction(costs[p], total_wu[p]) for p in active}
    winners: list[int] = []
    prices: list[Fraction] = []
    while active:
        active.sort(key=lambda p: lower[p])
        best: Fraction | None = None
        evaluated: list[tuple[int, Fraction]] = []
        dropped: list[int] = []
        for p in active:
            if best is not None and lower[p] > best:
                break
            gs, us = sup[p]
            c = costs[p]
            if sum(w[g] * budgets[g] for g in gs) < c:
                dropped.append(p)
                continue
            rho = _price_exact(c, [budgets[g] for g in gs], us, [w[g] for g in gs])
            lower[p] = rho
            evaluated.append((p, rho))
            if best is None or rho < best:
                best = rho
        for p in dropped:
            active.remove(p)
        if best is None:
            break
        win = pick([p for p, rho in evaluated if rho == best], tie_keys)
        gs, us = sup[win]
        for g, u in zip(gs, us, strict=True):
            budgets[g] -= min(budgets[g], best * u)
        active.remove(win)
        winners.append(win)
        prices.append(best)
    return MESRun(
        winners=winners,
        prices=[float(x) for x in prices],
        exact=True,
        budget_per_voter=b,
        budgets=np.array([float(x) for x in budgets]),
        exact_prices=prices,
        free=list(data.free),
    )


def _price_exact(c: int, bud: list[Fraction], u: list[int], w: list[int]) -> Fraction:
    order = sorted(range(len(bud)), key=lambda i: bud[i] / u[i])
    paid = Fraction(0)
    denom = sum(wi * ui for wi, ui in zip(w, u, strict=True))
    for i in order:
        rho = (c - paid) / denom
        if rho * u[i] <= bud[i]:
            return rho
        paid += w[i] * bud[i]
        denom -= w[i] * u[i]
    raise AssertionError("project was not affordable")  # pragma: no cover
