"""The outcome of a rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from cocity.compute.pb.election import Election


@dataclass
class Outcome:
    """Winners as project indices, in selection order, with what the rule recorded."""

    rule: str
    winners: list[int]
    completion: str = "none"
    details: dict[str, Any] = field(default_factory=dict)

    def winner_ids(self, election: Election) -> list[str]:
        return [election.projects[j].id for j in self.winners]

    def spent(self, election: Election) -> Fraction:
        return sum((election.projects[j].cost for j in self.winners), Fraction(0))
