"""Votes and the vote matrix.

A :class:`VoteTable` is a list of vote records (participant, statement, vote, time). A
:class:`VoteMatrix` keeps each participant's latest vote per statement, with agree = +1,
disagree = -1, pass = 0 and unseen = missing (the Polis export convention). It is stored as
coordinates (row, column, value) of the seen cells only, so a conversation with 100,000
participants and 10,000 statements at 5% density takes a few hundred megabytes, not 8 GB.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray


def _unique_inverse(ids: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Sorted distinct ids and each id's index among them (``np.unique``, without sorting
    when the ids are small non-negative integers, as Polis ids are)."""
    if len(ids) and ids.min() >= 0 and ids.max() < 4 * len(ids) + 1_000_000:
        present = np.zeros(int(ids.max()) + 1, dtype=bool)
        present[ids] = True
        index = np.cumsum(present, dtype=np.int64) - 1
        return np.flatnonzero(present).astype(np.int64), index[ids]
    uniq, inverse = np.unique(ids, return_inverse=True)
    return uniq.astype(np.int64), inverse.astype(np.int64).reshape(-1)


@dataclass(frozen=True)
class VoteTable:
    """Vote records in arrival order; ``time`` is ``None`` when vote times are unknown."""

    participant: NDArray[np.int64]
    statement: NDArray[np.int64]
    vote: NDArray[np.int8]
    time: NDArray[np.float64] | None = None

    @classmethod
    def from_arrays(
        cls,
        participant: ArrayLike,
        statement: ArrayLike,
        vote: ArrayLike,
        time: ArrayLike | None = None,
    ) -> VoteTable:
        p = np.asarray(participant, dtype=np.int64).reshape(-1)
        s = np.asarray(statement, dtype=np.int64).reshape(-1)
        v = np.asarray(vote, dtype=np.int64).reshape(-1)
        if not (len(p) == len(s) == len(v)):
            raise ValueError("participant, statement and vote must have the same length")
        if v.size and not np.isin(v, (-1, 0, 1)).all():
            raise ValueError("votes must be -1 (disagree), 0 (pass) or 1 (agree)")
        t = None
        if time is not None:
            t = np.asarray(time, dtype=np.float64).reshape(-1)
            if len(t) != len(p):
                raise ValueError("time must have the same length as the votes")
        return cls(p, s, v.astype(np.int8), t)

    @classmethod
    def from_records(
        cls, records: Sequence[tuple[int, int, int] | tuple[int, int, int, float]]
    ) -> VoteTable:
        """Build from ``(participant, statement, vote[, time])`` tuples."""
        if not records:
            return cls.from_arrays([], [], [])
        with_time = all(len(r) == 4 for r in records)
        cols = list(zip(*records, strict=False))
        return cls.from_arrays(cols[0], cols[1], cols[2], cols[3] if with_time else None)

    def __len__(self) -> int:
        return len(self.participant)


@dataclass(frozen=True)
class VoteMatrix:
    """Participants × statements, seen cells only.

    ``participant_ids`` and ``statement_ids`` are sorted; ``rows``/``cols`` index them and are
    sorted by row then column; ``values`` hold -1, 0 or +1.
    """

    participant_ids: NDArray[np.int64]
    statement_ids: NDArray[np.int64]
    rows: NDArray[np.int64]
    cols: NDArray[np.int64]
    values: NDArray[np.int8]

    @classmethod
    def from_votes(cls, votes: VoteTable) -> VoteMatrix:
        """Keep each participant's latest vote on each statement.

        Among re-votes with the same time the one that comes first in the table wins, as in
        red-dwarf's loader (a stable sort by time, newest first). Without times the last record
        wins.
        """
        n = len(votes)
        if n == 0:
            empty = np.zeros(0, dtype=np.int64)
            return cls(empty, empty, empty, empty, np.zeros(0, dtype=np.int8))
        participant_ids, p_index = _unique_inverse(votes.participant)
        statement_ids, s_index = _unique_inverse(votes.statement)
        key = p_index * len(statement_ids) + s_index
        if votes.time is not None:
            order = np.lexsort((-np.arange(n), votes.time, key))
        elif np.all(key[1:] >= key[:-1]):
            order = np.arange(n)  # already in (participant, statement) order
        else:
            order = np.argsort(key, kind="stable")
        key = key[order]
        last = np.ones(n, dtype=bool)
        last[:-1] = key[1:] != key[:-1]
        key, v = key[last], votes.vote[order][last]
        rows, cols = np.divmod(key, len(statement_ids))
        return cls(participant_ids, statement_ids, rows, cols, v)

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.participant_ids), len(self.statement_ids))

    @property
    def n_votes(self) -> int:
        return len(self.values)

    def votes_per_participant(self) -> NDArray[np.int64]:
        return np.bincount(self.rows, minlength=self.shape[0]).astype(np.int64)

    def to_dense(self) -> NDArray[np.float64]:
        """Dense float matrix with NaN for unseen cells (for small conversations and tests)."""
        out = np.full(self.shape, np.nan)
        out[self.rows, self.cols] = self.values
        return out

    def to_csr(self, data: NDArray[np.float64]) -> sp.csr_array:
        """A CSR matrix with the seen cells' pattern and the given ``data`` (same order)."""
        n_rows, n_cols = self.shape
        index_dtype = np.int32 if max(len(data), n_cols) < 2**31 - 1 else np.int64
        indptr = np.zeros(n_rows + 1, dtype=index_dtype)
        np.cumsum(np.bincount(self.rows, minlength=n_rows), out=indptr[1:])
        indices = self.cols.astype(index_dtype, copy=False)
        return sp.csr_array((data, indices, indptr), shape=(n_rows, n_cols), copy=False)

    def select_rows(self, mask: NDArray[np.bool_]) -> VoteMatrix:
        """The sub-matrix of the participants in ``mask`` (statement columns unchanged)."""
        keep = mask[self.rows]
        new_index = np.cumsum(mask) - 1
        return VoteMatrix(
            self.participant_ids[mask],
            self.statement_ids,
            new_index[self.rows[keep]],
            self.cols[keep],
            self.values[keep],
        )
