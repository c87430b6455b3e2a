"""Synthetic conversations for the opinion benchmarks: sparse by construction.

Cells are drawn row by row with geometric gaps (each cell seen with probability ``density``), so
the vote matrix is built directly in coordinate form and never densified. Participants belong to
one of three camps; each statement leans towards one camp, which makes opinion groups to find.
"""

from __future__ import annotations

import numpy as np

from cocity.compute.opinion import VoteMatrix


def synthetic_matrix(
    n_participants: int, n_statements: int, density: float, seed: int = 0
) -> VoteMatrix:
    rng = np.random.default_rng(seed)
    total = n_participants * n_statements
    expected = int(total * density * 1.02 + 6 * np.sqrt(total * density) + 10)
    gaps = rng.geometric(density, size=expected)
    positions = np.cumsum(gaps, dtype=np.int64) - 1
    del gaps
    positions = positions[positions < total]
    rows, cols = np.divmod(positions, n_statements)
    del positions
    camp = rng.integers(0, 3, n_participants)
    lean = rng.integers(0, 3, n_statements)
    agree_with_camp = camp[rows] == lean[cols]
    u = rng.random(len(rows), dtype=np.float32)
    p_agree = np.where(agree_with_camp, np.float32(0.8), np.float32(0.25))
    values = np.where(u < p_agree, 1, np.where(u < p_agree + 0.15, 0, -1)).astype(np.int8)
    del u, p_agree, agree_with_camp
    seen_rows = np.unique(rows)
    seen_cols = np.unique(cols)
    if len(seen_rows) != n_participants or len(seen_cols) != n_statements:  # pragma: no cover
        rows = np.searchsorted(seen_rows, rows)
        cols = np.searchsorted(seen_cols, cols)
    return VoteMatrix(
        participant_ids=seen_rows.astype(np.int64),
        statement_ids=seen_cols.astype(np.int64),
        rows=rows,
        cols=cols,
        values=values,
    )
