"""The canonical result of a tally and its SHA-256, shared by the server and ``cocity pb tally``.

The canonical result is a JSON object with exactly these keys, serialised with sorted keys, no
spaces (``","`` and ``":"`` as separators), UTF-8, numbers written as exact decimal strings:

``budget``       the envelope's budget, e.g. ``"150000"``;
``rule``         ``mes``, ``greedy`` or ``phragmen`` (the engine's names);
``completion``   ``add1`` (Equal Shares with the Add1 completion) or ``none``;
``tie_break``    ``lexico`` or ``cost-votes-lot``; ``seed``: the lot's seed (an integer);
``use_points``   whether cumulative points weigh the ballots (``true``/``false``);
``winners``      the winning project ids, sorted as strings;
``costs``        an object: each winner's id → its cost.

Anyone can rebuild it from a downloaded ``.pb`` file (``cocity pb tally FILE --json`` prints it
and its hash) and compare the hash with the published one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from cocity.compute.pb.election import Election
from cocity.compute.pb.pabulib import _fmt

#: The META keys of a ``.pb`` file that record how cocity counts it.
META_RULE = "cocity_rule"
META_COMPLETION = "cocity_completion"
META_TIE_BREAK = "cocity_tie_break"
META_SEED = "cocity_seed"
META_USE_POINTS = "cocity_use_points"


def canonical_result(
    election: Election,
    winners: Iterable[str],
    *,
    rule: str,
    completion: str,
    tie_break: str,
    seed: int,
    use_points: bool,
) -> dict[str, Any]:
    ids = sorted(str(w) for w in winners)
    costs = {pid: _fmt(election.projects[election.project_index(pid)].cost) for pid in ids}
    return {
        "budget": _fmt(Fraction(election.budget)),
        "rule": rule,
        "completion": completion,
        "tie_break": tie_break,
        "seed": int(seed),
        "use_points": bool(use_points),
        "winners": ids,
        "costs": costs,
    }


def canonical_json(result: dict[str, Any]) -> str:
    return json.dumps(result, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def result_sha256(result: dict[str, Any]) -> str:
    """The hex SHA-256 of the canonical JSON's UTF-8 bytes."""
    return hashlib.sha256(canonical_json(result).encode("utf-8")).hexdigest()
