"""Checking one ballot against the ballot rule of a process, without storing anything.

Ballot kinds: ``approval`` (choose at most ``max_choices`` projects; 0 = no limit), ``knapsack``
(choose projects whose total cost is at most the budget), ``cumulative`` (spread at most
``points`` points over projects, whole numbers). Problems are returned as stable codes, which
the caller turns into messages in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

KINDS = ("approval", "knapsack", "cumulative")


@dataclass
class BallotCheck:
    chosen: int = 0
    total_cost: int = 0
    points_used: int = 0
    problems: list[str] = field(default_factory=list)
    #: the problems as messages for people (filled in by the caller)
    messages: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_ballot(
    kind: str,
    choices: Mapping[str, int],
    costs: Mapping[str, int],
    *,
    budget: int,
    max_choices: int = 0,
    points: int = 0,
) -> BallotCheck:
    """``choices`` maps project id → points (1 for approval and knapsack ballots)."""
    if kind not in KINDS:
        raise ValueError(f"unknown ballot kind {kind!r}")
    out = BallotCheck()
    for pid, value in choices.items():
        if pid not in costs:
            out.problems.append("unknown_project")
            continue
        if value < 0 or (kind != "cumulative" and value not in (0, 1)):
            out.problems.append("bad_points")
            continue
        if value:
            out.chosen += 1
            out.total_cost += costs[pid]
            out.points_used += value
    if out.chosen == 0:
        out.problems.append("empty")
    if kind == "approval" and max_choices and out.chosen > max_choices:
        out.problems.append("too_many")
    if kind == "knapsack" and out.total_cost > budget:
        out.problems.append("over_budget")
    if kind == "cumulative" and out.points_used > points:
        out.problems.append("too_many_points")
    return out
