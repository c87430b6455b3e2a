"""``cocity pb``: tally, compare and explain Pabulib elections from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from fractions import Fraction
from typing import Any

from cocity.compute.pb.canonical import (
    META_COMPLETION,
    META_RULE,
    META_SEED,
    META_TIE_BREAK,
    META_USE_POINTS,
    canonical_result,
    result_sha256,
)
from cocity.compute.pb.completion import COMPLETIONS
from cocity.compute.pb.election import PBError
from cocity.compute.pb.explain import compare, ejr_violations, explain_project
from cocity.compute.pb.pabulib import read_pb
from cocity.compute.pb.tally import RULES, tally
from cocity.compute.pb.tiebreak import PRESETS, TieBreak


def _num(x: Fraction) -> int | float:
    return int(x) if x.denominator == 1 else float(x)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cocity pb", description="Participatory budgeting.")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("tally", help="compute the winners of a rule")
    t.add_argument("file")
    # without flags: what the file's META records (cocity_rule...), else mes, none, lexico, 0
    t.add_argument("--rule", choices=RULES, default=None)
    t.add_argument("--completion", choices=COMPLETIONS, default=None)
    t.add_argument("--tie-break", choices=tuple(PRESETS), default=None)
    t.add_argument("--seed", type=int, default=None, help="seed of the lot (cost-votes-lot)")
    mode = t.add_mutually_exclusive_group()
    mode.add_argument("--exact", dest="exact", action="store_true", default=True)
    mode.add_argument("--float", dest="exact", action="store_false")
    t.add_argument(
        "--jump",
        action="store_true",
        help="Add1: jump to the next budget where the outcome can change (same winners)",
    )
    t.add_argument("--threshold", action="store_true", help="honour min_project_score_threshold")
    t.add_argument("--no-skip", action="store_true", help="greedy: stop at the first misfit")
    t.add_argument("--approval", action="store_true", help="ignore points: count as approval")
    t.add_argument("--ejr", action="store_true", help="also run the EJR-up-to-one check")
    t.add_argument("--json", action="store_true")
    c = sub.add_parser("compare", help="what each rule selects")
    c.add_argument("file")
    c.add_argument("--json", action="store_true")
    e = sub.add_parser("explain", help="why a project won or lost under Equal Shares")
    e.add_argument("file")
    e.add_argument("--project", required=True)
    e.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        election = read_pb(args.file)
        if args.command == "tally":
            return _tally(args, election)
        if args.command == "compare":
            return _compare(args, election)
        return _explain(args, election)
    except FileNotFoundError:
        print(f"cocity pb: {args.file}: no such file", file=sys.stderr)
        return 2
    except PBError as exc:
        print(f"cocity pb: {args.file}: {exc}", file=sys.stderr)
        return 2


def _from_meta(args: argparse.Namespace, election: Any) -> None:
    """Fill the options not given as flags from the file's META (as cocity exports it)."""
    meta = election.meta
    if args.rule is None:
        args.rule = meta.get(META_RULE, "mes")
        if args.completion is None:  # the completion recorded belongs to the rule recorded
            args.completion = meta.get(META_COMPLETION, "none")
    if args.completion is None:
        args.completion = "none"
    if args.tie_break is None:
        args.tie_break = meta.get(META_TIE_BREAK, "lexico")
    if args.seed is None:
        args.seed = int(meta.get(META_SEED, "0") or 0)
    if not args.approval and meta.get(META_USE_POINTS) == "false":
        args.approval = True
    if (
        args.rule not in RULES
        or args.completion not in COMPLETIONS
        or args.tie_break not in PRESETS
    ):
        raise PBError("META records a rule, completion or tie-break this engine does not know")


def _tally(args: argparse.Namespace, election: Any) -> int:
    _from_meta(args, election)
    out = tally(
        election,
        args.rule,
        completion=args.completion,
        tie_break=TieBreak(args.tie_break, seed=args.seed),
        exact=args.exact,
        use_points=not args.approval,
        threshold=args.threshold,
        stop_at_first_misfit=args.no_skip,
        jump=args.jump,
    )
    ids = out.winner_ids(election)
    result: dict[str, Any] = {
        "rule": args.rule,
        "completion": args.completion,
        "tie_break": args.tie_break,
        "exact": args.exact,
        "winners": ids,
        "spent": _num(out.spent(election)),
        "budget": _num(election.budget),
        "seconds": round(out.details["seconds"], 6),
    }
    canonical = canonical_result(
        election,
        ids,
        rule=args.rule,
        completion=args.completion,
        tie_break=args.tie_break,
        seed=args.seed,
        use_points=not args.approval,
    )
    result["result_sha256"] = result_sha256(canonical)
    if args.completion != "none" and args.rule.startswith("mes"):
        result["mes_runs"] = out.details["steps"]
    if args.ejr:
        result["ejr_violations"] = ejr_violations(election, out.winners)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"{args.rule} (completion: {args.completion}): {len(ids)} winners")
    for pid in ids:
        p = election.projects[election.project_index(pid)]
        print(f"  {pid:>10}  {_num(p.cost):>14}  {p.name}")
    print(f"spent {result['spent']} of {result['budget']} in {result['seconds']:.3f} s")
    print(f"result_sha256 {result['result_sha256']}")
    if args.ejr:
        v = result["ejr_violations"]
        print("EJR up to one project (cost satisfaction): " + ("ok" if not v else f"{v}"))
    return 0


def _compare(args: argparse.Namespace, election: Any) -> int:
    rows = compare(election)
    if args.json:
        for r in rows:
            r["spent"] = _num(r["spent"])
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    every = [p.id for p in election.projects]
    heads = [
        f"{r['rule']}{'+' + r['completion'] if r['completion'] != 'none' else ''}" for r in rows
    ]
    print("project".ljust(12) + " ".join(h[:18].rjust(18) for h in heads))
    for pid in every:
        marks = ["x" if pid in r["winners"] else "." for r in rows]
        if "x" in marks:
            print(pid[:12].ljust(12) + " ".join(m.rjust(18) for m in marks))
    print("spent".ljust(12) + " ".join(str(_num(r["spent"]))[:18].rjust(18) for r in rows))
    return 0


def _explain(args: argparse.Namespace, election: Any) -> int:
    ex = explain_project(election, args.project)
    if args.json:
        print(json.dumps(ex.as_dict(), ensure_ascii=False, default=str))
        return 0
    if ex.won:
        print(f"project {ex.project} is funded by Equal Shares; {ex.supporters} supporters")
        print(f"price per unit of utility: {ex.price_per_utility:.6g}")
    else:
        print(f"project {ex.project} is not funded by Equal Shares; {ex.supporters} supporters")
        print(
            f"its supporters hold {ex.supporters_money_left:.2f} at the end; "
            f"short by {ex.shortfall:.2f}"
        )
        if ex.winning_cost is not None:
            print(f"it would have been funded at a cost of {ex.winning_cost} (costs {ex.cost})")
    for note in ex.notes:
        print(note)
    return 0
