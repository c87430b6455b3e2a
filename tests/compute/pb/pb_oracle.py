"""Run pabutools (the reference implementation) as an oracle.

Shared by the tests and by ``record_oracle.py``. Only test code imports pabutools; the engine never
does.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[4] / "shared" / "data" / "pabulib"
ORACLE_DIR = Path(__file__).parent / "oracle"

# rule name -> description; all use cost satisfaction and pabutools' lexicographic tie-breaking
RULES = ("greedy", "mes", "mes-add1-exhaustive", "phragmen")


def _approval_view(profile: Any) -> Any:
    """Every ballot as the set of projects it lists (what Cost_Sat sees for any ballot type)."""
    from pabutools.election import ApprovalBallot, ApprovalProfile

    return ApprovalProfile([ApprovalBallot(set(b)) for b in profile])


def run_pabutools(
    path: Path | str, rule: str, *, multiprofile: bool = True, from_increment: int = 0
) -> dict[str, Any]:
    """Winners of ``rule`` on ``path`` according to pabutools, with the wall time it took.

    ``multiprofile=True`` hands pabutools its own ``as_multiprofile()`` (identical ballots merged),
    which pabutools supports and which gives the same outcome much faster.

    ``from_increment=k`` (MES + Add1 only) starts pabutools' own Add1 loop at the per-voter
    budget ``budget / voters + k`` instead of ``budget / voters``: the same loop, the same stopping
    test, only the first k steps left out. Where the whole loop would take days (the two Budapest
    files: 22,000 and 26,500 steps of about 20 s and 1 s), starting one step before the step at
    which our engine stops shows that pabutools does not stop there and stops, with our outcome,
    on the next one.
    """
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares
    from pabutools.rules.phragmen import sequential_phragmen

    instance, profile = parse_pabulib(str(path))
    if rule == "phragmen":
        profile = _approval_view(profile)
    if multiprofile:
        profile = profile.as_multiprofile()
    t0 = time.perf_counter()
    if rule == "greedy":
        out = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
    elif rule == "mes":
        out = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
    elif rule == "mes-add1-exhaustive" and from_increment:
        out = _mes_add1_from(instance, profile, from_increment)
    elif rule == "mes-add1-exhaustive":
        out = method_of_equal_shares(
            instance, profile, sat_class=Cost_Sat, voter_budget_increment=1
        )
    elif rule == "phragmen":
        out = sequential_phragmen(instance, profile)
    else:  # pragma: no cover
        raise ValueError(rule)
    seconds = time.perf_counter() - t0
    return {"winners": [p.name for p in out], "seconds": seconds}


def _mes_add1_from(instance: Any, profile: Any, k: int) -> Any:
    """pabutools' ``method_of_equal_shares(..., voter_budget_increment=1)`` with its loop
    started k units above the usual per-voter budget (the public function's own set-up, then its
    scheme)."""
    from pabutools.election import AbstractApprovalProfile, Cost_Sat
    from pabutools.fractions import frac
    from pabutools.rules.budgetallocation import BudgetAllocation
    from pabutools.rules.mes.mes_rule import method_of_equal_shares_scheme
    from pabutools.tiebreaking import lexico_tie_breaking

    return method_of_equal_shares_scheme(
        instance,
        profile,
        profile.as_sat_profile(sat_class=Cost_Sat),
        frac(instance.budget_limit, profile.num_ballots()) + k,
        BudgetAllocation(),
        lexico_tie_breaking,
        voter_budget_increment=1,
        binary_sat=isinstance(profile, AbstractApprovalProfile),
    )
