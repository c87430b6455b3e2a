"""Per-group statement statistics, representative and consensus statements, comment priority.

Formulas (Polis ``repness.clj`` / ``conversation.clj``, as red-dwarf ports them), per group g and
statement c, with pseudo-count 1:

* ``na``, ``nd``, ``ns``: agrees, disagrees and votes seen (agree, disagree or pass) in g;
* ``pa = (1 + na) / (2 + ns)``, ``pd`` likewise;
* ``pat = 2·sqrt(ns + 1)·((na + 1)/(ns + 1) − 0.5)`` (one-proportion z), ``pdt`` likewise;
* ``ra = pa / pa(not g)``, ``rd`` likewise (representativeness against everyone else clustered);
* ``rat``, ``rdt``: two-proportion z-tests of g against the rest (0 when the pooled rate is 1);
* group-aware consensus: the product over groups of ``pa`` (and of ``pd``).

Sorting ties are broken exactly as red-dwarf's pandas calls do (NumPy's default "quicksort"
argsort on the same keys), so lists match it order for order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

from cocity.compute.opinion.matrix import VoteMatrix

FloatArray = NDArray[np.float64]
STAT_NAMES = ("na", "nd", "ns", "pa", "pd", "pat", "pdt", "ra", "rd", "rat", "rdt")


@dataclass(frozen=True)
class GroupStats:
    """Arrays of shape (groups, statements); columns follow ``statement_ids``."""

    statement_ids: NDArray[np.int64]
    na: NDArray[np.int64]
    nd: NDArray[np.int64]
    ns: NDArray[np.int64]
    pa: FloatArray
    pd: FloatArray
    pat: FloatArray
    pdt: FloatArray
    ra: FloatArray
    rd: FloatArray
    rat: FloatArray
    rdt: FloatArray

    @property
    def n_groups(self) -> int:
        return int(self.na.shape[0])

    def as_dict(self) -> dict[str, NDArray[Any]]:
        return {name: getattr(self, name) for name in STAT_NAMES}


@dataclass(frozen=True)
class RepresentativeStatement:
    """One representative statement of a group, in Polis' repness format."""

    statement_id: int
    repful_for: str  # "agree" or "disagree"
    n_success: int
    n_trials: int
    p_success: float
    p_test: float
    repness: float
    repness_test: float
    best_agree: bool = False


def probability(count: NDArray[Any], total: NDArray[Any]) -> FloatArray:
    """Laplace-smoothed probability ``(1 + count) / (2 + total)``."""
    return cast(FloatArray, (1 + count) / (2 + total))


def one_prop_test(succ: NDArray[Any], n: NDArray[Any]) -> FloatArray:
    succ1 = np.asarray(succ) + 1
    n1 = np.asarray(n) + 1
    return cast(FloatArray, 2 * np.sqrt(n1) * ((succ1 / n1) - 0.5))


def two_prop_test(
    succ_in: NDArray[Any], succ_out: NDArray[Any], n_in: NDArray[Any], n_out: NDArray[Any]
) -> FloatArray:
    succ_in = np.asarray(succ_in) + 1
    succ_out = np.asarray(succ_out) + 1
    n_in = np.asarray(n_in) + 1
    n_out = np.asarray(n_out) + 1
    pi1 = succ_in / n_in
    pi2 = succ_out / n_out
    pi_hat = (succ_in + succ_out) / (n_in + n_out)
    denominator = np.sqrt(pi_hat * (1 - pi_hat) * (1 / n_in + 1 / n_out))
    with np.errstate(divide="ignore", invalid="ignore"):
        result = (pi1 - pi2) / denominator
    return np.where(pi_hat == 1, 0.0, result)


def vote_counts(
    matrix: VoteMatrix, row_group: NDArray[np.int64], n_groups: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Agree, disagree and seen counts per (group, statement); rows with group < 0 are ignored."""
    n_cols = matrix.shape[1]
    group = np.asarray(row_group, dtype=np.int64)[matrix.rows]
    code = group * n_cols
    code += matrix.cols
    code *= 3
    code += matrix.values
    code += 1  # -1, 0, +1 → 0, 1, 2
    if (group < 0).any():
        code = code[group >= 0]
    del group
    counts = np.bincount(code, minlength=n_groups * n_cols * 3).reshape(n_groups, n_cols, 3)
    disagree, passes, agree = (counts[:, :, i].astype(np.int64) for i in range(3))
    return agree, disagree, agree + disagree + passes


def group_statistics(matrix: VoteMatrix, labels: NDArray[np.int64]) -> GroupStats:
    """Statistics for groups ``0..max(labels)``; ``labels`` has one entry per matrix row
    (-1 for participants outside every group, who count neither in nor out)."""
    labels = np.asarray(labels, dtype=np.int64)
    n_groups = int(labels.max()) + 1 if len(labels) and labels.max() >= 0 else 0
    na, nd, ns = vote_counts(matrix, labels, n_groups)
    return statistics_from_counts(matrix.statement_ids, na, nd, ns)


def statistics_from_counts(
    statement_ids: NDArray[np.int64],
    na: NDArray[np.int64],
    nd: NDArray[np.int64],
    ns: NDArray[np.int64],
) -> GroupStats:
    """Statistics from agree, disagree and seen counts of shape (groups, statements)."""
    ta, td, ts = na.sum(axis=0), nd.sum(axis=0), ns.sum(axis=0)
    oa, od, os_ = ta[None, :] - na, td[None, :] - nd, ts[None, :] - ns
    pa, pd = probability(na, ns), probability(nd, ns)
    return GroupStats(
        statement_ids=statement_ids,
        na=na,
        nd=nd,
        ns=ns,
        pa=pa,
        pd=pd,
        pat=one_prop_test(na, ns),
        pdt=one_prop_test(nd, ns),
        ra=pa / probability(oa, os_),
        rd=pd / probability(od, os_),
        rat=two_prop_test(na, oa, ns, os_),
        rdt=two_prop_test(nd, od, ns, os_),
    )


def group_aware_consensus(stats: GroupStats) -> tuple[FloatArray, FloatArray]:
    """Product over groups of the probability of agreeing (and of disagreeing)."""
    return stats.pa.prod(axis=0), stats.pd.prod(axis=0)


def _pandas_order(keys: NDArray[Any], ascending: bool) -> NDArray[np.int64]:
    """Row order of pandas' ``sort_values`` (default quicksort) on one column of ``keys``."""
    idx = np.arange(len(keys))
    if not ascending:
        keys, idx = keys[::-1], idx[::-1]
    order = idx[keys.argsort(kind="quicksort")]
    if not ascending:
        order = order[::-1]
    return order.astype(np.int64)


def _dense_rank(values: FloatArray) -> NDArray[np.int64]:
    _, inverse = np.unique(values, return_inverse=True)
    return (inverse + 1).astype(np.int64)


def _rows(stats: GroupStats, g: int, cols: NDArray[np.int64]) -> list[dict[str, float]]:
    columns = {name: getattr(stats, name)[g, cols].tolist() for name in STAT_NAMES}
    return [
        dict(zip(STAT_NAMES, values, strict=True)) for values in zip(*columns.values(), strict=True)
    ]


def _format(tid: int, r: dict[str, float], best_agree: bool = False) -> RepresentativeStatement:
    agree = r["rat"] > r["rdt"]
    a = ("na", "pa", "pat", "ra", "rat") if agree else ("nd", "pd", "pdt", "rd", "rdt")
    return RepresentativeStatement(
        statement_id=tid,
        repful_for="agree" if agree else "disagree",
        n_success=int(r[a[0]]),
        n_trials=int(r["ns"]),
        p_success=r[a[1]],
        p_test=r[a[2]],
        repness=r[a[3]],
        repness_test=r[a[4]],
        best_agree=best_agree,
    )


def representative_statements(
    stats: GroupStats,
    moderated_out: Iterable[int] = (),
    pick_max: int = 5,
    confidence: float = 0.9,
) -> dict[int, list[RepresentativeStatement]]:
    """Up to ``pick_max`` statements per group (Polis ``select-rep-comments``).

    The best "agree" statement comes first when there is one; then statements significant at
    ``confidence`` (both the probability and the representativeness z-tests, for agreeing or for
    disagreeing), by ``repness · repness_test · p_success · p_test``; finally agrees before
    disagrees. With no significant statement, the most representative one is kept.
    """
    z = float(ndtri(confidence))
    keep = ~np.isin(stats.statement_ids, np.fromiter(moderated_out, dtype=np.int64))
    cols = np.flatnonzero(keep)
    out: dict[int, list[RepresentativeStatement]] = {}
    for g in range(stats.n_groups):
        rows = _rows(stats, g, cols)
        best_agree: dict[str, float] | None = None
        best_agree_col = -1
        for c, r in zip(cols, rows, strict=True):
            if _beats_best_of_agrees(r, best_agree, z):
                best_agree, best_agree_col = r, int(c)
        significant = [
            (int(c), r)
            for c, r in zip(cols, rows, strict=True)
            if (r["pat"] > z and r["rat"] > z) or (r["pdt"] > z and r["rdt"] > z)
        ]
        best_overall: dict[str, float] | None = None
        best_overall_col = -1
        formatted: list[RepresentativeStatement] = []
        if not significant:
            for c, r in zip(cols, rows, strict=True):
                if best_overall is None or max(r["rat"], r["rdt"]) > max(
                    best_overall["rat"], best_overall["rdt"]
                ):
                    best_overall, best_overall_col = r, int(c)
        else:
            formatted = [_format(int(stats.statement_ids[c]), r) for c, r in significant]
            metric = np.array(
                [s.repness * s.repness_test * s.p_success * s.p_test for s in formatted]
            )
            formatted = [formatted[i] for i in _pandas_order(metric, ascending=False)]
        head: list[RepresentativeStatement] = []
        if best_agree is not None:
            head = [_format(int(stats.statement_ids[best_agree_col]), best_agree, True)]
        elif best_overall is not None:
            head = [_format(int(stats.statement_ids[best_overall_col]), best_overall)]
        selected = head + [s for s in formatted if head and s.statement_id != head[0].statement_id]
        selected = selected[:pick_max]
        selected.sort(key=lambda s: s.repful_for)
        out[g] = selected
    return out


def _beats_best_of_agrees(r: dict[str, float], best: dict[str, float] | None, z: float) -> bool:
    if r["na"] == 0 and r["nd"] == 0:
        return False
    if best is not None:
        if best["ra"] > 1.0:
            return (
                r["ra"] * r["rat"] * r["pa"] * r["pat"]
                > best["ra"] * best["rat"] * best["pa"] * best["pat"]
            )
        return r["pa"] * r["pat"] > best["pa"] * best["pat"]
    return r["pat"] > z or (r["ra"] > 1.0 and r["pa"] > 0.5)


def consensus_statements(
    matrix: VoteMatrix,
    moderated_out: Iterable[int] = (),
    pick_max: int = 5,
    confidence: float = 0.9,
    prob_threshold: float = 0.5,
) -> dict[str, list[int]]:
    """Statements most of everyone agrees (or disagrees) with, significant at ``confidence``,
    ranked by ``pa · pat`` (or ``pd · pdt``); all participants count, grouped or not."""
    everyone = np.zeros(matrix.shape[0], dtype=np.int64)
    na, nd, ns = (a[0] for a in vote_counts(matrix, everyone, 1))
    return consensus_from_counts(
        matrix.statement_ids, na, nd, ns, moderated_out, pick_max, confidence, prob_threshold
    )


def consensus_from_counts(
    statement_ids: NDArray[np.int64],
    na: NDArray[np.int64],
    nd: NDArray[np.int64],
    ns: NDArray[np.int64],
    moderated_out: Iterable[int] = (),
    pick_max: int = 5,
    confidence: float = 0.9,
    prob_threshold: float = 0.5,
) -> dict[str, list[int]]:
    """:func:`consensus_statements` from everyone's agree, disagree and seen counts."""
    z = float(ndtri(confidence))
    keep = ~np.isin(statement_ids, np.fromiter(moderated_out, dtype=np.int64))
    out: dict[str, list[int]] = {}
    for name, n in (("agree", na), ("disagree", nd)):
        p = probability(n, ns)
        pt = one_prop_test(n, ns)
        metric = p * pt
        cand = np.flatnonzero(keep & (p > prob_threshold) & (pt > z))
        if len(cand) == 0:
            out[name] = []
            continue
        rank = _dense_rank(-metric[cand])
        order = _pandas_order(rank, ascending=True)[:pick_max]
        out[name] = [int(statement_ids[cand[i]]) for i in order]
    return out


def comment_priority(
    n_agree: NDArray[Any],
    n_disagree: NDArray[Any],
    n_total: NDArray[Any],
    extremity: FloatArray,
    is_meta: NDArray[np.bool_],
    meta_priority: float = 7.0,
) -> FloatArray:
    """Polis' priority for choosing the next statement to show (higher = sooner).

    ``importance = pa · (1 − pp) · (1 + extremity)`` and
    ``priority = (importance · (1 + 8 · 2^(−n_total/5)))²``; meta statements get
    ``meta_priority²``.
    """
    n_agree, n_disagree, n_total = map(np.asarray, (n_agree, n_disagree, n_total))
    n_pass = n_total - (n_agree + n_disagree)
    importance = probability(n_agree, n_total) * (1 - probability(n_pass, n_total))
    importance = importance * (1 + np.asarray(extremity))
    newness = 1 + (9 - 1) * np.power(2, -(n_total / 5))
    priority = np.where(is_meta, meta_priority, importance * newness)
    return np.asarray(np.power(priority, 2), dtype=np.float64)
