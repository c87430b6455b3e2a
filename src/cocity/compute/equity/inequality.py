"""Population-weighted inequality of a per-area quantity.

Each area is one observation ``y`` (money per resident, reports per 1,000 …) with a weight ``w``
(its population), as if every resident of the area held the area's value.

* ``gini``: half the weighted mean absolute difference over the weighted mean
  (``sum_i sum_j w_i w_j |y_i - y_j| / (2 W^2 mu)``); 0 is equality, towards 1 is concentration.
* ``theil``: Theil's T, ``sum_i (w_i / W) (y_i / mu) ln(y_i / mu)`` (0 · ln 0 = 0), with
  ``theil_decomposition`` splitting it for areas inside larger ones into a between part
  ``sum_g s_g ln(mu_g / mu)`` and a within part ``sum_g s_g T_g`` (``s_g``: the group's share of
  the total), which add up to T exactly.
* ``concentration_index``: the convenient-covariance form of Kakwani, Wagstaff and van Doorslaer
  (1997) with weights (O'Donnell et al. 2008, ch. 8): ``C = 2 cov_w(h, R) / mu_h``, ``R`` the
  weighted fractional rank by a need measure, least needy first (ties share their mean rank).
  C > 0: the quantity goes more to the needier areas; C < 0: to the less needy; in [-1, 1].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def _arrays(
    values: Sequence[float] | FloatArray, weights: Sequence[float] | FloatArray | None
) -> tuple[FloatArray, FloatArray]:
    y = np.asarray(values, dtype=float)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
    if y.shape != w.shape or y.ndim != 1:
        raise ValueError("values and weights must be 1-d and of the same length")
    if np.any(w < 0) or np.any(~np.isfinite(y)) or np.any(~np.isfinite(w)):
        raise ValueError("weights must be non-negative and every number finite")
    keep = w > 0
    return y[keep], w[keep]


def gini(
    values: Sequence[float] | FloatArray, weights: Sequence[float] | FloatArray | None = None
) -> float | None:
    """Weighted Gini coefficient; None when there is nothing to compare (no weight, or a mean
    of 0). Values must not be negative."""
    y, w = _arrays(values, weights)
    if y.size == 0:
        return None
    if np.any(y < 0):
        _negative()
    total_w = w.sum()
    mu = float((w * y).sum() / total_w)
    if mu <= 0:
        return None
    order = np.argsort(y, kind="stable")
    y, w = y[order], w[order]
    cw = np.cumsum(w)
    cs = np.cumsum(w * y)
    w_below, s_below = cw - w, cs - w * y
    w_above, s_above = total_w - cw, cs[-1] - cs
    # sum_j w_j |y_i - y_j| for each i, in one pass over the sorted values
    spread = y * (w_below - w_above) - (s_below - s_above)
    return float((w * spread).sum() / (2 * total_w**2 * mu))


def _negative() -> NoReturn:
    raise ValueError("inequality measures need values that are not negative")


def theil(
    values: Sequence[float] | FloatArray, weights: Sequence[float] | FloatArray | None = None
) -> float | None:
    """Weighted Theil T index (0 is equality; its maximum is ln of the total weight's share
    held by one area). None when there is nothing to compare."""
    y, w = _arrays(values, weights)
    if y.size == 0:
        return None
    if np.any(y < 0):
        _negative()
    mu = float((w * y).sum() / w.sum())
    if mu <= 0:
        return None
    ratio = y / mu
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(ratio > 0, ratio * np.log(np.where(ratio > 0, ratio, 1.0)), 0.0)
    return float(max((w * terms).sum() / w.sum(), 0.0))


@dataclass(frozen=True)
class TheilSplit:
    total: float
    between: float
    within: float
    # per group: (share of the total, the group's own T)
    groups: dict[str, tuple[float, float]]


def theil_decomposition(
    values: Sequence[float] | FloatArray,
    weights: Sequence[float] | FloatArray,
    groups: Sequence[str],
) -> TheilSplit | None:
    """Theil's T of areas split into the inequality between the larger areas holding them and
    the inequality within each."""
    y_all = np.asarray(values, dtype=float)
    w_all = np.asarray(weights, dtype=float)
    labels = np.asarray(list(groups), dtype=object)
    if labels.shape != y_all.shape:
        raise ValueError("one group per value")
    total = theil(y_all, w_all)
    if total is None:
        return None
    mu = float((w_all * y_all).sum() / w_all.sum())
    grand = float((w_all * y_all).sum())
    between = within = 0.0
    parts: dict[str, tuple[float, float]] = {}
    for g in dict.fromkeys(labels.tolist()):
        mask = labels == g
        wg, yg = w_all[mask], y_all[mask]
        held = float((wg * yg).sum())
        if wg.sum() <= 0 or held <= 0:
            parts[str(g)] = (0.0, 0.0)
            continue
        share = held / grand
        mu_g = held / float(wg.sum())
        t_g = theil(yg, wg) or 0.0
        between += share * np.log(mu_g / mu)
        within += share * t_g
        parts[str(g)] = (share, t_g)
    return TheilSplit(total=total, between=float(between), within=float(within), groups=parts)


def fractional_rank(
    rank_by: Sequence[float] | FloatArray, weights: Sequence[float] | FloatArray | None = None
) -> FloatArray:
    """Weighted fractional rank in (0, 1): the share of the weight ranked before an area plus
    half its own; tied areas share their group's mean rank."""
    x = np.asarray(rank_by, dtype=float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    total = w.sum()
    order = np.argsort(x, kind="stable")
    ranks = np.empty_like(x)
    ranks[order] = (np.cumsum(w[order]) - w[order] / 2) / total
    for value in np.unique(x):
        tied = x == value
        if tied.sum() > 1:
            ranks[tied] = float((ranks[tied] * w[tied]).sum() / w[tied].sum())
    return ranks


def concentration_index(
    values: Sequence[float] | FloatArray,
    rank_by: Sequence[float] | FloatArray,
    weights: Sequence[float] | FloatArray | None = None,
) -> float | None:
    """The concentration index of ``values`` across areas ranked by need (``rank_by``,
    least needy first), weighted by population; None when the weighted mean is 0."""
    y = np.asarray(values, dtype=float)
    x = np.asarray(rank_by, dtype=float)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
    if not (y.shape == x.shape == w.shape) or y.ndim != 1:
        raise ValueError("values, rank_by and weights must be 1-d and of the same length")
    keep = w > 0
    y, x, w = y[keep], x[keep], w[keep]
    if y.size == 0:
        return None
    total = w.sum()
    mu = float((w * y).sum() / total)
    if mu == 0:
        return None
    r = fractional_rank(x, w)
    r_mean = float((w * r).sum() / total)
    cov = float((w * (y - mu) * (r - r_mean)).sum() / total)
    return 2 * cov / mu
