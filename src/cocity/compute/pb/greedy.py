"""Greedy utilitarian rules (cost or cardinality satisfaction).

Projects are ranked by total satisfaction per unit of cost (for cost satisfaction: the number of
votes, or the points; for cardinality satisfaction: votes per unit of cost) and funded in that
order while they fit. Ties in the ranking are ordered by the tie-breaking chain.

Variants: ``stop_at_first_misfit`` (stop at the first project that does not fit, the
"greedy-no-skip" rule of many Polish cities) and ``threshold`` (drop projects whose score is below
META ``min_project_score_threshold`` or a given number).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from cocity.compute.pb.election import Election, Profile, TieError, parse_number
from cocity.compute.pb.result import Outcome


def greedy(
    profile: Profile,
    tie_keys: Sequence[tuple[object, ...]],
    *,
    stop_at_first_misfit: bool = False,
    scores: Sequence[Fraction | int] | None = None,
    threshold: Fraction | int | None = None,
    rule: str = "greedy",
) -> Outcome:
    m = profile.num_projects
    w = np.repeat(profile.weights, np.diff(profile.indptr))
    sat_arr = np.zeros(m, dtype=np.int64)
    np.add.at(sat_arr, profile.indices, w * profile.utils)  # exact integer sums
    sat = [int(x) for x in sat_arr]
    inf = Fraction(10) ** 100

    def density(j: int) -> Fraction:
        if sat[j] > 0:
            return Fraction(sat[j], profile.costs[j]) if profile.costs[j] > 0 else inf
        return Fraction(0)

    candidates = list(range(m))
    skipped: list[int] = []
    if threshold is not None and scores is not None:
        skipped = [j for j in candidates if scores[j] < threshold]
        candidates = [j for j in candidates if scores[j] >= threshold]
    dens = {j: density(j) for j in candidates}
    ranked = sorted(candidates, key=lambda j: (-dens[j], tie_keys[j]))
    for a, b in itertools.pairwise(ranked):
        if dens[a] == dens[b] and tie_keys[a] == tie_keys[b]:
            raise TieError(f"tie between projects {a} and {b} that the chain cannot resolve")
    remaining = profile.budget
    winners: list[int] = []
    for j in ranked:
        c = profile.costs[j]
        if c <= remaining:
            winners.append(j)
            remaining -= c
        elif stop_at_first_misfit:
            break
    return Outcome(
        rule=rule,
        winners=winners,
        details={"ranking": ranked, "below_threshold": skipped},
    )


def meta_threshold(election: Election) -> Fraction | None:
    value = election.meta.get("min_project_score_threshold")
    if value is None or not value.strip():
        return None
    return parse_number(value)


def project_scores(election: Election) -> list[Fraction]:
    """The score a threshold applies to: votes for approval, points for cardinal ballots."""
    if election.is_cardinal:
        return election.point_totals()
    return [Fraction(int(v)) for v in election.approval_counts()]
