"""Weights that make participants look like the population.

* ``post_stratify``: one weight per cell, population share over participant share, so the
  weighted participants match the population exactly on that one variable; a cell with no
  participants cannot be weighted up and is reported.
* ``rake``: iterative proportional fitting (Deming and Stephan 1940) of a table of participant
  counts to target margins on each of its axes, when the joint population table is unknown. It
  keeps the table's interactions (its cross-product ratios) and matches every margin.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class PostStratification:
    weights: dict[str, float]  # per participating group
    uncovered: list[str]  # groups with population but no participants


def post_stratify(
    counts: Mapping[str, float], population_shares: Mapping[str, float]
) -> PostStratification:
    total = sum(max(float(v), 0.0) for g, v in counts.items() if population_shares.get(g, 0) > 0)
    pop_total = sum(v for v in population_shares.values() if v > 0)
    weights: dict[str, float] = {}
    uncovered: list[str] = []
    for g, share in population_shares.items():
        if share <= 0:
            continue
        c = float(counts.get(g, 0))
        if c <= 0 or total <= 0:
            uncovered.append(g)
            continue
        weights[g] = (share / pop_total) / (c / total)
    return PostStratification(weights=weights, uncovered=uncovered)


@dataclass(frozen=True)
class Raking:
    table: npt.NDArray[np.float64]  # the fitted table
    weights: npt.NDArray[np.float64]  # fitted / seed, per cell (0 where the seed is 0)
    iterations: int
    converged: bool
    max_error: float  # largest absolute margin difference at the end


def rake(
    seed: npt.ArrayLike,
    margins: Sequence[Sequence[float]],
    *,
    tolerance: float = 1e-9,
    max_iterations: int = 1000,
) -> Raking:
    """Fit ``seed`` (an n-dimensional table of counts) to ``margins`` (one target vector per
    axis, all with the same total) by iterative proportional fitting."""
    table = np.asarray(seed, dtype=float).copy()
    if table.ndim != len(margins):
        raise ValueError("one margin per axis of the table")
    targets = [np.asarray(m, dtype=float) for m in margins]
    for axis, target in enumerate(targets):
        if target.shape != (table.shape[axis],):
            raise ValueError(f"margin {axis} has the wrong length")
        if np.any(target < 0) or np.any(table < 0):
            raise ValueError("tables and margins must not be negative")
    totals = [t.sum() for t in targets]
    if not np.allclose(totals, totals[0], rtol=1e-9):
        raise ValueError("the margins must have the same total")
    original = table.copy()
    error = np.inf
    iterations = 0
    for iterations in range(1, max_iterations + 1):  # noqa: B007 - reported below
        for axis, target in enumerate(targets):
            other = tuple(a for a in range(table.ndim) if a != axis)
            current = table.sum(axis=other)
            with np.errstate(divide="ignore", invalid="ignore"):
                factor = np.where(current > 0, target / current, 0.0)
            shape = [1] * table.ndim
            shape[axis] = -1
            table = table * factor.reshape(shape)
        error = max(
            float(
                np.abs(table.sum(axis=tuple(a for a in range(table.ndim) if a != axis)) - t).max()
            )
            for axis, t in enumerate(targets)
        )
        if error <= tolerance * max(totals[0], 1.0):
            break
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = np.where(original > 0, table / original, 0.0)
    return Raking(
        table=table,
        weights=weights,
        iterations=iterations,
        converged=bool(error <= tolerance * max(totals[0], 1.0)),
        max_error=error,
    )
