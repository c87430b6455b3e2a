"""Differentially private counts with the OpenDP library.

One event (a report) adds one to one cell, so a vector of cell counts has an L1 sensitivity of 1.
The discrete Laplace (geometric) mechanism with scale ``1/epsilon`` then satisfies
epsilon-differential privacy per event; OpenDP computes the epsilon it actually spends (its privacy
map), which is what a release records. Rounding, clamping at zero and suppressing small noisy
counts afterwards is post-processing and spends nothing more."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import opendp.prelude as dp

dp.enable_features("contrib")

MECHANISM = "discrete Laplace (OpenDP make_laplace over integers)"


@dataclass(frozen=True)
class PrivateCounts:
    values: list[int]
    epsilon: float  # spent by this release, as OpenDP's privacy map says
    scale: float
    sensitivity: int
    mechanism: str = MECHANISM


def private_counts(counts: Sequence[int], *, epsilon: float, sensitivity: int = 1) -> PrivateCounts:
    """Add discrete Laplace noise to every count (the zeros too: which cells are non-zero must not
    show through). Negative noisy counts are clamped to zero."""
    if epsilon <= 0:
        raise ValueError("epsilon must be positive")
    if sensitivity < 1:
        raise ValueError("sensitivity must be at least 1")
    scale = sensitivity / epsilon
    measurement = dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=scale
    )
    spent = float(measurement.map(sensitivity))  # type: ignore[no-untyped-call]
    noisy = measurement(list(counts)) if counts else []
    return PrivateCounts([max(0, int(v)) for v in noisy], spent, scale, sensitivity)
