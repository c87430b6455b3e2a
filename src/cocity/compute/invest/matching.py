"""Matchfunding: how a sponsor's pot is split among the projects of a call.

Two published rules (docs/investment.md):

``fixed``
    Each eligible project is matched ``ratio`` times what residents pledged to it, at most
    ``cap`` per project.
``qf``
    Capped quadratic funding in its pairwise-bounded form (V. Buterin, "Pairwise coordination
    subsidies: a new quadratic funding design", ethresear.ch, 4 June 2019; the quadratic rule
    itself is Buterin, Hitzig & Weyl, "A Flexible Design for Funding Public Goods",
    Management Science 65(11), 2019). Plain quadratic funding gives project *p* the subsidy
    ``(sum_i sqrt(c_ip))**2 - sum_i c_ip``, which is ``sum over unordered pairs i<j of
    2*sqrt(c_ip*c_jp)``. The pairwise-bounded form weighs each pair's term by a
    discoordination coefficient ``k_ij = M / (M + sum_q sqrt(c_iq*c_jq))`` (the sum runs over
    every project of the call), so two pledgers acting together can draw at most about ``2*M``
    from the pot however much they pledge. ``M`` is the rule's ``threshold``; without one the
    rule is plain quadratic funding.

Both rules then apply, in this order: an optional extra weight per district (under-served
districts published with the rule, e.g. ``{"d3": "1.5"}``); the cap per project; and, when the
capped matches exceed the pot, one common scale factor chosen so that the pot is spent exactly
with no project above its cap ("capital-constrained" matching). A project that did not reach its
minimum with pledges alone is not eligible and gets nothing; its pledges (released) form no
pairs, so they lower no other project's coefficients. Amounts are integers (cents); the
real-valued shares are rounded down and the cents left over go to the largest remainders, ties
to the project listed first, so the published figures add up to exactly what was split.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np

ENGINE_VERSION = "invest-matching/1"
KINDS = ("fixed", "qf")


class MatchError(ValueError):
    """A rule or an input that cannot be matched (its message says why)."""


def _decimal(value: Any, name: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise MatchError(f"{name} is not a number: {value!r}") from exc
    if not number.is_finite() or number < 0:
        raise MatchError(f"{name} must be a non-negative number: {value!r}")
    return number


@dataclass(frozen=True)
class Rule:
    """A published matching rule. ``pot`` and ``cap`` are in cents."""

    kind: str
    pot: int
    ratio: Decimal = Decimal(1)
    cap: int | None = None
    threshold: Decimal | None = None
    district_weights: Mapping[str, Decimal] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise MatchError(f"unknown rule {self.kind!r}; one of {', '.join(KINDS)}")
        if self.pot < 0:
            raise MatchError("the pot must not be negative")
        if self.cap is not None and self.cap < 0:
            raise MatchError("the cap must not be negative")
        if self.threshold is not None and self.threshold <= 0:
            raise MatchError("the threshold M must be positive")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rule:
        try:
            kind = str(data["kind"])
            pot = int(data["pot"])
        except (KeyError, TypeError, ValueError) as exc:
            raise MatchError("a rule needs a kind and an integer pot") from exc
        cap: Any = data.get("cap")
        threshold: Any = data.get("threshold")
        weights = data.get("district_weights") or {}
        if not isinstance(weights, Mapping):
            raise MatchError("district_weights maps a district code to a weight")
        return cls(
            kind=kind,
            pot=pot,
            ratio=_decimal(data.get("ratio", 1), "ratio"),
            cap=None if cap in (None, "") else int(cap),
            threshold=None if threshold in (None, "") else _decimal(threshold, "threshold"),
            district_weights={str(k): _decimal(v, f"weight of {k}") for k, v in weights.items()},
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "pot": self.pot,
            "ratio": str(self.ratio),
            "cap": self.cap,
            "threshold": None if self.threshold is None else str(self.threshold),
            "district_weights": {k: str(v) for k, v in sorted(self.district_weights.items())},
        }


@dataclass(frozen=True)
class Project:
    id: str
    district: str = ""
    eligible: bool = True


@dataclass(frozen=True)
class Pledge:
    project: str
    pledger: str
    amount: int


@dataclass
class ProjectMatch:
    id: str
    pledged: int
    pledgers: int
    eligible: bool
    raw: float  # the rule's match before weight, cap and pot
    weight: float
    capped: bool
    match: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "pledged": self.pledged,
            "pledgers": self.pledgers,
            "eligible": self.eligible,
            "raw": round(self.raw, 4),
            "weight": self.weight,
            "capped": self.capped,
            "match": self.match,
        }


@dataclass
class MatchResult:
    rule: Rule
    projects: list[ProjectMatch]
    scale: float  # the common factor applied to fit the pot (1.0 when the pot sufficed)
    spent: int
    engine_version: str = ENGINE_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine_version": self.engine_version,
            "rule": self.rule.to_dict(),
            "scale": round(self.scale, 9),
            "spent": self.spent,
            "projects": [p.to_dict() for p in self.projects],
        }


def _pairs_within(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every unordered pair ``(first, second)``, ``first < second``, of positions of an array
    cut into consecutive groups of the given sizes, pairing only within a group."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    row_end = np.repeat(starts + counts, counts)
    after = row_end - np.arange(total) - 1  # how many rows follow each row in its group
    n_pairs = int(after.sum())
    first = np.repeat(np.arange(total), after)
    first_offset = np.repeat(np.cumsum(after) - after, after)
    second = first + 1 + (np.arange(n_pairs) - first_offset)
    return first, second


def _bounded_sum(roots: np.ndarray, m: float) -> float:
    """``sum over i<j of 2*s*m/(m+s)`` with ``s = roots[i]*roots[j]``.

    Pledges take few distinct amounts (whole euros, usual sums), so the pairs are counted by
    value: with multiplicities ``n_v``, the sum over ordered pairs ``i != j`` is
    ``sum_vw n_v*n_w*f(v*w) - sum_v n_v*f(v*v)``, which costs the square of the number of
    distinct amounts instead of the square of the number of pledgers. Large blocks are done in
    rows (the products matrix of a large project would not fit in memory)."""
    values, counts = np.unique(roots, return_counts=True)
    weights = counts.astype(np.float64)
    total = 0.0
    block = max(1, 2_000_000 // max(1, len(values)))
    for start in range(0, len(values), block):
        s = np.multiply.outer(values[start : start + block], values)
        f = 2.0 * s * m / (m + s)
        total += float(weights[start : start + block] @ f @ weights)
    diagonal = values * values
    total -= float(weights @ (2.0 * diagonal * m / (m + diagonal)))
    return total / 2.0


def pairwise_qf_raw(
    project_index: np.ndarray,
    person_index: np.ndarray,
    amount: np.ndarray,
    n_projects: int,
    threshold: float | None,
) -> np.ndarray:
    """The pairwise-bounded quadratic match of each project (before cap and pot).

    The inputs hold one row per (project, person) with the person's total on that project,
    sorted by project then person. Every unordered pair of rows of one project contributes
    ``2*s*k`` with ``s = sqrt(c_i*c_j)`` and ``k = M/(M + K_ij)``, ``K_ij`` the sum of ``s``
    over every project the pair funded together (``k = 1`` without a threshold).

    Computed in two exact steps: first every pair as if it shared only this project
    (``K_ij = s``), project by project, counting pairs by value; then, for the pairs that
    share two or more projects (found from each person's pairs of projects: two people who
    both funded projects p and q), the difference their true ``K_ij`` makes. A pair sharing
    k projects is met in k(k-1)/2 pairs of projects, each of its projects k-1 times, so
    its entries are summed and divided by k-1 instead of being deduplicated."""
    roots = np.sqrt(amount.astype(np.float64))
    if threshold is None:  # plain quadratic funding: (sum sqrt c)^2 - sum c
        sums = np.bincount(project_index, weights=roots, minlength=n_projects)
        return sums**2 - np.bincount(project_index, weights=amount, minlength=n_projects)
    m = float(threshold)
    raw = np.zeros(n_projects)
    counts = np.bincount(project_index, minlength=n_projects)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    for p in np.flatnonzero(counts >= 2):
        raw[p] = _bounded_sum(roots[starts[p] : starts[p] + counts[p]], m)
    if len(amount) == 0:
        return raw
    n_people = int(person_index.max()) + 1
    # each person's pairs of projects (p < q): rows sorted by person, then by project
    by_person = np.lexsort((project_index, person_index))
    first, second = _pairs_within(np.bincount(person_index, minlength=n_people))
    if len(first) == 0:
        return raw
    row_p, row_q = by_person[first], by_person[second]
    who, p_of = person_index[row_p], project_index[row_p]
    q_of = project_index[row_q]
    # people who share a pair of projects share at least two projects
    order = np.lexsort((who, q_of, p_of))
    who, p_of, q_of, row_p, row_q = who[order], p_of[order], q_of[order], row_p[order], row_q[order]
    group_key = p_of * n_projects + q_of  # sorted
    edges = np.flatnonzero(np.concatenate(([True], group_key[1:] != group_key[:-1], [True])))
    a_pos, b_pos = _pairs_within(np.diff(edges))
    if len(a_pos) == 0:
        return raw
    # one entry per (pair of people, pair of projects they share): a pair sharing k projects
    # has k(k-1)/2 entries, in which each of its projects appears k-1 times
    s_p = roots[row_p[a_pos]] * roots[row_p[b_pos]]
    s_q = roots[row_q[a_pos]] * roots[row_q[b_pos]]
    pair_key = who[a_pos] * n_people + who[b_pos]
    by_pair = np.argsort(pair_key, kind="stable")
    sorted_key = pair_key[by_pair]
    new_pair = np.concatenate(([True], sorted_key[1:] != sorted_key[:-1]))
    pair_number = np.empty(len(pair_key), dtype=np.int64)
    pair_number[by_pair] = np.cumsum(new_pair) - 1
    entries = np.bincount(pair_number)
    k_minus_one = (np.sqrt(1.0 + 8.0 * entries) - 1.0) / 2.0  # k(k-1)/2 = entries
    together = (np.bincount(pair_number, weights=s_p + s_q) / k_minus_one)[pair_number]
    share = k_minus_one[pair_number]
    mk = m / (m + together)
    fix_p = 2.0 * s_p * (mk - m / (m + s_p)) / share
    fix_q = 2.0 * s_q * (mk - m / (m + s_q)) / share
    return (
        raw
        + np.bincount(p_of[a_pos], weights=fix_p, minlength=n_projects)
        + np.bincount(q_of[a_pos], weights=fix_q, minlength=n_projects)
    )


def _fit_pot(raw: np.ndarray, caps: np.ndarray, pot: int) -> tuple[np.ndarray, float]:
    """Real shares: ``min(cap, scale*raw)`` with the largest ``scale <= 1`` whose total stays
    within the pot (found exactly by walking the projects in the order they reach their cap)."""
    capped_full = np.minimum(raw, caps)
    if capped_full.sum() <= pot:
        return capped_full, 1.0
    positive = raw > 0
    ratio = np.full(len(raw), np.inf)
    ratio[positive] = caps[positive] / raw[positive]
    order = np.argsort(ratio, kind="stable")
    capped_sum = 0.0
    remaining = float(raw.sum())
    scale = 0.0
    for index in order:
        if remaining <= 0:
            break
        scale = (pot - capped_sum) / remaining
        if scale <= ratio[index]:
            break
        capped_sum += caps[index]
        remaining -= raw[index]
    return np.minimum(raw * scale, caps), scale


def _round(shares: np.ndarray, total: int) -> np.ndarray:
    """Integers that add up to ``total``: floors, then one more for the largest remainders."""
    floors = np.floor(shares + 1e-9).astype(np.int64)
    left = total - int(floors.sum())
    if left > 0:
        remainders = shares - floors
        order = np.lexsort((np.arange(len(shares)), -remainders))
        floors[order[:left]] += 1
    return floors


def match(rule: Rule, projects: Sequence[Project], pledges: Iterable[Pledge]) -> MatchResult:
    """Split ``rule.pot`` among ``projects`` from the residents' ``pledges``."""
    ids = [p.id for p in projects]
    if len(set(ids)) != len(ids):
        raise MatchError("a project is listed twice")
    where = {pid: n for n, pid in enumerate(ids)}
    people: dict[str, int] = {}
    rows_project: list[int] = []
    rows_person: list[int] = []
    rows_amount: list[int] = []
    for pledge in pledges:
        if pledge.project not in where:
            raise MatchError(f"a pledge names an unknown project: {pledge.project!r}")
        if pledge.amount < 0:
            raise MatchError("a pledge must not be negative")
        rows_project.append(where[pledge.project])
        rows_person.append(people.setdefault(pledge.pledger, len(people)))
        rows_amount.append(pledge.amount)
    return match_arrays(
        rule,
        ids,
        [p.district for p in projects],
        np.array([p.eligible for p in projects], dtype=bool),
        np.array(rows_project, dtype=np.int64),
        np.array(rows_person, dtype=np.int64),
        np.array(rows_amount, dtype=np.int64),
    )


def match_arrays(
    rule: Rule,
    ids: Sequence[str],
    districts: Sequence[str],
    eligible: np.ndarray,
    project_index: np.ndarray,
    person_index: np.ndarray,
    amount: np.ndarray,
) -> MatchResult:
    """:func:`match` on arrays (one row per pledge), the form the benchmark and the app use."""
    n = len(ids)
    # one row per (project, person): a person who pledged twice counts once, with the total
    if len(amount):
        n_people = int(person_index.max()) + 1
        key = project_index * n_people + person_index
        unique, inverse = np.unique(key, return_inverse=True)
        totals = np.bincount(inverse, weights=amount).astype(np.int64)
        project_u = unique // n_people
        person_u = unique % n_people
    else:
        totals = project_u = person_u = np.zeros(0, dtype=np.int64)
    pledged = np.bincount(project_u, weights=totals, minlength=n).astype(np.int64)
    pledgers = np.bincount(project_u, minlength=n)
    if rule.kind == "fixed":
        raw = pledged.astype(np.float64) * float(rule.ratio)
    else:
        threshold = None if rule.threshold is None else float(rule.threshold)
        # pledges to a project that missed its minimum were released: they form no pairs
        keep = eligible[project_u] if len(project_u) else np.zeros(0, dtype=bool)
        raw = pairwise_qf_raw(project_u[keep], person_u[keep], totals[keep], n, threshold)
    weights = np.array([float(rule.district_weights.get(d, 1)) for d in districts])
    weighted = np.where(eligible, raw * weights, 0.0)
    caps = np.full(n, np.inf if rule.cap is None else float(rule.cap))
    shares, scale = _fit_pot(weighted, caps, rule.pot)
    total = int(np.floor(shares.sum() + 1e-6))
    amounts = _round(shares, min(total, rule.pot))
    result = [
        ProjectMatch(
            id=ids[i],
            pledged=int(pledged[i]),
            pledgers=int(pledgers[i]),
            eligible=bool(eligible[i]),
            raw=float(raw[i]),
            weight=float(weights[i]),
            capped=bool(eligible[i] and rule.cap is not None and weighted[i] * scale >= caps[i]),
            match=int(amounts[i]),
        )
        for i in range(n)
    ]
    return MatchResult(rule=rule, projects=result, scale=scale, spent=int(amounts.sum()))
