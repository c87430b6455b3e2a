"""Tie-breaking chains.

A chain is a list of criteria applied in order until one project remains:

``lexico``     smallest project id as a string (pabutools' lexicographic order, for parity);
``min-cost``   lowest cost; ``max-cost`` highest cost;
``max-votes``  most voters listing the project;
``lot``        a seeded lot: a fixed random order of the projects drawn from ``seed``.

``lexico`` and ``lot`` always decide. A tie that survives the whole chain raises
:class:`~cocity.compute.pb.election.TieError`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cocity.compute.pb.election import Election, PBError, TieError

CRITERIA = ("lexico", "min-cost", "max-cost", "max-votes", "lot")
PRESETS: dict[str, tuple[str, ...]] = {
    "lexico": ("lexico",),
    "cost-votes-lot": ("min-cost", "max-votes", "lot"),
}


class TieBreak:
    """A configured chain, bound to an election by :meth:`keys`."""

    def __init__(self, chain: Sequence[str] | str = "lexico", seed: int = 0) -> None:
        if isinstance(chain, str):
            if chain not in PRESETS:
                raise PBError(f"unknown tie-break {chain!r} (use one of {', '.join(PRESETS)})")
            chain = PRESETS[chain]
        for c in chain:
            if c not in CRITERIA:
                raise PBError(f"unknown tie-break criterion {c!r} (use {', '.join(CRITERIA)})")
        self.chain = tuple(chain)
        self.seed = seed

    def keys(self, election: Election) -> list[tuple[object, ...]]:
        """One sort key per project: the smaller key wins a tie."""
        m = len(election.projects)
        columns: list[list[object]] = []
        votes: list[int] | None = None
        for c in self.chain:
            if c == "lexico":
                columns.append([p.id for p in election.projects])
            elif c == "min-cost":
                columns.append([p.cost for p in election.projects])
            elif c == "max-cost":
                columns.append([-p.cost for p in election.projects])
            elif c == "max-votes":
                if votes is None:
                    votes = [int(v) for v in election.approval_counts()]
                columns.append([-v for v in votes])
            else:  # lot
                order = np.random.default_rng(self.seed).permutation(m)
                columns.append([int(x) for x in np.argsort(order)])
        return [tuple(col[j] for col in columns) for j in range(m)]

    def __repr__(self) -> str:
        return f"TieBreak({list(self.chain)!r}, seed={self.seed})"


def pick(tied: Sequence[int], keys: Sequence[tuple[object, ...]]) -> int:
    """The winner among ``tied`` project indices; raises if the chain cannot decide."""
    if len(tied) == 1:
        return tied[0]
    best = min(tied, key=lambda j: keys[j])
    if sum(1 for j in tied if keys[j] == keys[best]) > 1:
        raise TieError(
            f"tie between projects {sorted(tied)} that the tie-breaking chain cannot resolve"
        )
    return best


def order(projects: Sequence[int], keys: Sequence[tuple[object, ...]]) -> list[int]:
    return sorted(projects, key=lambda j: keys[j])
