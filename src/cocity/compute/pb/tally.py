"""One entry point over all rules: ``tally(election, rule, ...)``."""

from __future__ import annotations

import time

from cocity.compute.pb.completion import COMPLETIONS, add1, utilitarian_fill
from cocity.compute.pb.election import Election, PBError, build_profile
from cocity.compute.pb.greedy import greedy, meta_threshold, project_scores
from cocity.compute.pb.mes import MESData, equal_shares
from cocity.compute.pb.phragmen import sequential_phragmen
from cocity.compute.pb.result import Outcome
from cocity.compute.pb.tiebreak import TieBreak

RULES = ("greedy", "greedy-card", "mes", "mes-card", "phragmen")


def tally(
    election: Election,
    rule: str,
    *,
    completion: str = "none",
    tie_break: TieBreak | str = "lexico",
    exact: bool = True,
    use_points: bool = True,
    threshold: bool = False,
    stop_at_first_misfit: bool = False,
    jump: bool = False,
) -> Outcome:
    """Run ``rule`` on ``election``.

    ``use_points``: for cumulative/scoring ballots, weigh each listed project by its points
    (otherwise every listed project counts as approved, as pabutools' satisfaction classes do).
    ``threshold``: greedy rules drop projects below META ``min_project_score_threshold``.
    ``completion`` applies to ``mes``/``mes-card`` only.
    """
    if rule not in RULES:
        raise PBError(f"unknown rule {rule!r} (use one of {', '.join(RULES)})")
    if completion not in COMPLETIONS:
        raise PBError(f"unknown completion {completion!r} (use one of {', '.join(COMPLETIONS)})")
    if completion != "none" and not rule.startswith("mes"):
        raise PBError(f"completion {completion!r} applies to MES only")
    tb = tie_break if isinstance(tie_break, TieBreak) else TieBreak(tie_break)
    keys = tb.keys(election)
    t0 = time.perf_counter()
    sat = "card" if rule.endswith("-card") else "cost"
    if rule.startswith("greedy"):
        profile = build_profile(election, sat=sat, use_points=use_points)
        thr = meta_threshold(election) if threshold else None
        out = greedy(
            profile,
            keys,
            stop_at_first_misfit=stop_at_first_misfit,
            scores=project_scores(election) if thr is not None else None,
            threshold=thr,
            rule=rule,
        )
    elif rule == "phragmen":
        profile = build_profile(election, sat="card", use_points=False)
        out = sequential_phragmen(profile, keys, exact=exact)
    else:
        profile = build_profile(election, sat=sat, use_points=use_points)
        data = MESData.build(profile)
        if completion == "none":
            run = equal_shares(data, keys, exact=exact)
            winners = list(run.free) + list(run.winners)
            details = {"run": run, "steps": 1, "increments": 0}
        else:
            variant = "add1" if completion == "add1u" else completion
            done = add1(data, keys, variant=variant, exact=exact, jump=jump)
            winners = done.winners
            run = done.run
            details = {
                "run": run,
                "steps": done.steps,
                "increments": done.increments,
                "jump_checks": done.jump_checks,
            }
            if completion == "add1u":
                votes = [int(v) for v in election.approval_counts()]
                winners = utilitarian_fill(winners, profile.costs, profile.budget, votes, keys)
        out = Outcome(rule=rule, winners=winners, details=details)
    out.completion = completion
    out.details["seconds"] = time.perf_counter() - t0
    out.details["exact"] = exact
    return out
