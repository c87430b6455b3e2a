"""Allocation of an oversubscribed offering (units of a community asset, e.g. a share of a
citizen solar plant) by a published rule, so no one is served first for being fastest.

1. Each request is first capped at the offering's limit per person.
2. If the requests fit, everyone gets what they asked for.
3. Otherwise the units are split equally: the largest whole number ``level`` such that giving
   everyone ``min(request, level)`` fits ("water-filling").
4. The few units left (fewer than the people still wanting more) go one each by lottery among
   the people who asked for more than ``level``. The lottery order is the SHA-256 of
   ``"<seed>:<request id>"`` (hexadecimal, ascending; the id breaks a tie), so anyone can
   re-run it with the published seed, in any language.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ENGINE_VERSION = "invest-offering/1"


def lottery_key(seed: str, request_id: str) -> str:
    return hashlib.sha256(f"{seed}:{request_id}".encode()).hexdigest()


@dataclass
class Allocation:
    units: dict[str, int]
    level: int
    lottery: list[str]  # who won an extra unit, in lottery order
    oversubscribed: bool
    requested: int
    engine_version: str = ENGINE_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine_version": self.engine_version,
            "oversubscribed": self.oversubscribed,
            "requested": self.requested,
            "level": self.level,
            "lottery_winners": self.lottery,
            "units": dict(sorted(self.units.items())),
        }


def allocate(
    units: int, requests: Mapping[str, int], *, seed: str, cap_per_person: int | None = None
) -> Allocation:
    """Share ``units`` among ``requests`` (request id -> units asked) by the rule above."""
    if units < 0:
        raise ValueError("units must not be negative")
    asked = {
        rid: max(0, min(n, cap_per_person) if cap_per_person is not None else n)
        for rid, n in requests.items()
    }
    requested = sum(asked.values())
    if requested <= units:
        return Allocation(dict(asked), max(asked.values(), default=0), [], False, requested)
    # the largest level L with sum(min(a, L)) <= units, by walking the sorted requests
    sizes = sorted(asked.values())
    level, below, remaining_people = 0, 0, len(sizes)
    for size in sizes:
        # every one of the remaining people can get up to `size`
        if below + size * remaining_people > units:
            level = (units - below) // remaining_people
            break
        below += size
        remaining_people -= 1
        level = size
    given = {rid: min(a, level) for rid, a in asked.items()}
    left = units - sum(given.values())
    wanting = sorted(
        (rid for rid, a in asked.items() if a > level), key=lambda r: (lottery_key(seed, r), r)
    )
    winners = wanting[:left]
    for rid in winners:
        given[rid] += 1
    return Allocation(given, level, winners, True, requested)
