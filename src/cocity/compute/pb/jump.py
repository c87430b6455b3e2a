"""The next per-voter budget at which an MES outcome can change (used by Add1 to jump).

A run of MES at per-voter budget ``b`` is replayed with every group's budget written as an affine
function ``alpha * x + beta`` of the per-voter budget ``x``. As long as the run takes the same
decisions, every quantity it compares is affine in ``x``:

* a project's available money ``sum(w * budget)`` against its cost (affordability);
* a supporter's budget against ``rho(x) * u`` (who pays in full, who pays the price);
* the prices ``rho_p(x)`` of the affordable projects against the winner's (which is cheapest).

``next_change`` returns the smallest root greater than ``b`` of all these differences. Below it,
every comparison keeps its sign, so MES takes the same decisions and gives the same outcome. A
difference that is identically zero (two projects tied at every budget) never changes sign and is
skipped; a difference that is zero at ``b`` without being identically zero is a tie at ``b``, and
the function then returns ``b`` (no jump: Add1 steps by one).
"""

from __future__ import annotations

import numpy as np

from cocity.compute.pb.election import FloatArray, dot
from cocity.compute.pb.mes import MESData, MESRun, _price_float

_DEGENERATE = 1e-9


class _Tie(Exception):  # noqa: N818 — a signal to stop replaying, not an error
    pass


def next_change(data: MESData, run: MESRun) -> float:
    b = float(run.budget_per_voter)
    try:
        return _replay(data, run, b)
    except _Tie:
        return b


def _min_root(a: FloatArray | float, c: FloatArray | float, b: float) -> float:
    """Smallest root > b of the affine functions a*x + c (inf if none)."""
    a = np.atleast_1d(np.asarray(a, dtype=np.float64))
    c = np.atleast_1d(np.asarray(c, dtype=np.float64))
    value = a * b + c
    scale = np.abs(a) * b + np.abs(c)
    live = (a != 0) | (c != 0)
    if np.any(live & (np.abs(value) <= _DEGENERATE * scale)):
        raise _Tie
    moving = a != 0
    if not moving.any():
        return np.inf
    roots = -c[moving] / a[moving]
    roots = roots[roots > b]
    return float(roots.min()) if roots.size else np.inf


def _replay(data: MESData, run: MESRun, b: float) -> float:
    prof = data.profile
    w = prof.weights.astype(np.float64)
    alpha = np.ones(prof.num_groups)
    beta = np.zeros(prof.num_groups)
    ptr, groups = data.ptr, data.groups
    utils = data.utils.astype(np.float64)
    active = list(data.eligible)
    event = np.inf
    for step in range(len(run.winners) + 1):
        win = run.winners[step] if step < len(run.winners) else None
        prices: dict[int, tuple[float, float, float]] = {}
        for p in active:
            a, e = ptr[p], ptr[p + 1]
            g = groups[a:e]
            wg = w[g]
            al, be = alpha[g], beta[g]
            c = float(prof.costs[p])
            slope, inter = dot(wg, al), dot(wg, be) - c
            event = min(event, _min_root(slope, inter, b))
            if slope * b + inter < 0:
                continue  # not affordable at b
            u = utils[a:e]
            bud = al * b + be
            wu = wg * u
            rho = _price_float(c, bud, u, wg, wu, float(data.total_wu[p]))
            poor = bud < rho * u
            rich_wu = float(data.total_wu[p]) - float(wu[poor].sum())
            if rich_wu <= 0:
                raise _Tie  # everyone pays all they have: affordable exactly at b
            r1 = -dot(wg[poor], al[poor]) / rich_wu
            r0 = (c - dot(wg[poor], be[poor])) / rich_wu
            prices[p] = (r1, r0, rho)
            event = min(event, _min_root(al - r1 * u, be - r0 * u, b))
        if win is None:
            break
        if win not in prices:
            raise _Tie  # the replay disagrees with the run: no jump
        w1, w0, _ = prices[win]
        others = [q for q in prices if q != win]
        if others:
            d1 = np.array([prices[q][0] - w1 for q in others])
            d0 = np.array([prices[q][1] - w0 for q in others])
            event = min(event, _min_root(d1, d0, b))
        a, e = ptr[win], ptr[win + 1]
        g = groups[a:e]
        u = utils[a:e]
        bud = alpha[g] * b + beta[g]
        poor = bud < prices[win][2] * u
        alpha[g] = np.where(poor, 0.0, alpha[g] - w1 * u)
        beta[g] = np.where(poor, 0.0, beta[g] - w0 * u)
        active.remove(win)
    return event
