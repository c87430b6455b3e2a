"""The election: projects with exact costs, a budget, and ballots grouped by identical content.

Money is exact: costs and the budget are :class:`fractions.Fraction` as written in the file, and
``scale`` turns them into integers (``cost * scale``) for the rules, which work on integer money.

Ballots are stored once per distinct ballot (``Ballot``) with, per voter, the index of that ballot
(``voter_ballot``). Rules work on groups of identical ballots with a weight, which changes no
outcome: every rule here treats identical ballots identically.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import numpy.typing as npt

VOTE_TYPES = ("approval", "choose-1", "cumulative", "scoring", "ordinal")

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


# OpenBLAS runs an inner product of more than 10,000 entries on several threads; on a busy machine
# waking them costs up to a hundred times the product itself, so long products are cut into pieces.
_DOT_CHUNK = 8192


def dot(a: FloatArray, b: FloatArray) -> float:
    """``a @ b`` for float vectors, always on the calling thread."""
    n = int(a.shape[0])
    if n <= _DOT_CHUNK:
        return float(a @ b)
    return float(
        sum(float(a[i : i + _DOT_CHUNK] @ b[i : i + _DOT_CHUNK]) for i in range(0, n, _DOT_CHUNK))
    )


class PBError(ValueError):
    """A domain error of the PB engine (bad input, bad option, unresolved tie)."""


class TieError(PBError):
    """A tie that the configured tie-breaking chain could not resolve."""


@dataclass(frozen=True)
class Project:
    id: str
    cost: Fraction
    meta: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def name(self) -> str:
        return self.meta.get("name", self.id)


@dataclass(frozen=True)
class Ballot:
    """One distinct ballot: project indices in the order written, with points for cardinal types."""

    projects: tuple[int, ...]
    points: tuple[Fraction, ...] | None = None


@dataclass
class Election:
    meta: dict[str, str]
    projects: list[Project]
    ballots: list[Ballot]
    voter_ballot: IntArray
    project_header: list[str] = field(default_factory=list)
    vote_header: list[str] = field(default_factory=list)
    voter_rows: list[str] | None = None  # raw VOTES lines, for writing back

    # ----------------------------------------------------------------- basic facts
    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "approval")

    @property
    def budget(self) -> Fraction:
        return parse_number(self.meta["budget"])

    @property
    def num_voters(self) -> int:
        return int(self.voter_ballot.shape[0])

    @property
    def is_cardinal(self) -> bool:
        return self.vote_type in ("cumulative", "scoring")

    def project_index(self, project_id: str) -> int:
        for i, p in enumerate(self.projects):
            if p.id == project_id:
                return i
        raise PBError(f"no project with id {project_id!r}")

    @property
    def scale(self) -> int:
        """Smallest integer that makes every cost and the budget whole."""
        den = self.budget.denominator
        for p in self.projects:
            den = math.lcm(den, p.cost.denominator)
        return den

    def int_costs(self) -> list[int]:
        s = self.scale
        return [int(p.cost * s) for p in self.projects]

    def int_budget(self) -> int:
        return int(self.budget * self.scale)

    def ballot_weights(self) -> IntArray:
        """How many voters cast each distinct ballot."""
        return np.bincount(self.voter_ballot, minlength=len(self.ballots)).astype(np.int64)

    def approval_counts(self) -> IntArray:
        """Number of voters listing each project (the ``votes`` a greedy count uses)."""
        w = self.ballot_weights()
        out = np.zeros(len(self.projects), dtype=np.int64)
        for b, weight in zip(self.ballots, w, strict=True):
            if weight:
                for j in b.projects:
                    out[j] += weight
        return out

    def point_totals(self) -> list[Fraction]:
        """Sum of points per project (approval counts one point per listing)."""
        w = self.ballot_weights()
        out = [Fraction(0)] * len(self.projects)
        for b, weight in zip(self.ballots, w, strict=True):
            if not weight:
                continue
            pts = b.points if b.points is not None else (Fraction(1),) * len(b.projects)
            for j, pt in zip(b.projects, pts, strict=True):
                out[j] += pt * int(weight)
        return out


def parse_number(text: str) -> Fraction:
    """A decimal number as written in a file (``972679.04``, ``1,5`` or ``3``), exactly."""
    t = text.strip().replace(",", ".")
    try:
        return Fraction(t)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{text!r} is not a number") from None


@dataclass(frozen=True)
class Profile:
    """Grouped ballots in CSR form, ready for the rules.

    ``indptr``/``indices`` list, for each group of identical ballots, the projects it supports
    (each once); ``utils`` holds the integer utility of each entry; ``weights`` the number of
    voters.
    """

    num_voters: int
    weights: IntArray
    indptr: IntArray
    indices: IntArray
    utils: IntArray
    costs: list[int]
    budget: int

    @property
    def num_groups(self) -> int:
        return int(self.weights.shape[0])

    @property
    def num_projects(self) -> int:
        return len(self.costs)

    def supporters(self) -> tuple[IntArray, IntArray, IntArray]:
        """Transpose: for each project, ``(indptr, groups, utils)`` of its supporters."""
        m = self.num_projects
        counts = np.diff(self.indptr)
        rows = np.repeat(np.arange(self.num_groups, dtype=np.int64), counts)
        order = np.argsort(self.indices, kind="stable")
        groups = rows[order]
        utils = self.utils[order]
        ptr = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.indices, minlength=m), out=ptr[1:])
        return ptr, groups, utils


def build_profile(election: Election, *, sat: str = "cost", use_points: bool = True) -> Profile:
    """Group identical ballots and compute each voter's integer utility for each project.

    ``sat="cost"``: utility is the project's (integer) cost; ``sat="card"``: utility 1. For
    cumulative and scoring ballots with ``use_points`` the utility is multiplied by the points
    (points must then be whole numbers; projects given 0 points are not supported); without
    ``use_points`` every listed project counts as approved, which is what pabutools'
    ``Cost_Sat`` and ``Cardinality_Sat`` do. Groups are the distinct ballots of the file.
    """
    if sat not in ("cost", "card"):
        raise PBError(f"unknown satisfaction {sat!r} (use 'cost' or 'card')")
    costs = election.int_costs()
    points_mode = use_points and election.is_cardinal
    w_all = election.ballot_weights()
    keep = np.flatnonzero(w_all > 0)
    ballots = [election.ballots[i] for i in keep.tolist()]
    lengths = np.fromiter((len(b.projects) for b in ballots), dtype=np.int64, count=len(ballots))
    indptr = np.zeros(len(ballots) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    indices = np.fromiter(
        itertools.chain.from_iterable(b.projects for b in ballots),
        dtype=np.int64,
        count=int(indptr[-1]),
    )
    base = np.asarray(costs, dtype=np.int64) if sat == "cost" else np.ones(len(costs), np.int64)
    utils = base[indices]
    if points_mode:
        pts: list[int] = []
        for b in ballots:
            for x in b.points or (Fraction(1),) * len(b.projects):
                if x.denominator != 1:
                    raise PBError("points must be whole numbers to be used as utilities")
                pts.append(int(x))
        points = np.asarray(pts, dtype=np.int64)
        if (points < 0).any():
            raise PBError("negative points cannot be used as utilities")
        utils = utils * points
        if (points == 0).any():  # a project given 0 points is not supported
            keep_entry = points > 0
            row = np.repeat(np.arange(len(ballots)), lengths)
            indices, utils, row = indices[keep_entry], utils[keep_entry], row[keep_entry]
            np.cumsum(np.bincount(row, minlength=len(ballots)), out=indptr[1:])
    return Profile(
        num_voters=election.num_voters,
        weights=w_all[keep].astype(np.int64),
        indptr=indptr,
        indices=indices,
        utils=utils.astype(np.int64),
        costs=costs,
        budget=election.int_budget(),
    )
