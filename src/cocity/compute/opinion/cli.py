"""``cocity opinion analyze DIR [--mode compatible|polis] [--json]`` on a Polis export folder."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from cocity.compute.opinion.engine import MODES, OpinionAnalysis
from cocity.compute.opinion.export import PolisExportError, read_polis_export


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cocity opinion",
        description="Polis-style opinion groups, representative and consensus statements.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    analyze = sub.add_parser(
        "analyze",
        help="analyse a Polis export folder",
        description="Analyse a Polis openData export folder "
        "(comments.csv and votes.csv or participants-votes.csv).",
    )
    analyze.add_argument("folder", metavar="DIR", help="Polis export folder")
    analyze.add_argument(
        "--mode",
        choices=MODES,
        default="compatible",
        help="compatible: red-dwarf's clustering choices (default); polis: Polis' base clusters",
    )
    analyze.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser


def analysis_result(model: OpinionAnalysis, seconds: float) -> dict[str, Any]:
    """The JSON document printed by ``--json``."""
    sizes = [int((model.labels_ == g).sum()) for g in range(model.k_)]
    return {
        "mode": model.mode,
        "participants": int(model.matrix_.shape[0]),
        "statements": int(model.matrix_.shape[1]),
        "votes": int(model.matrix_.n_votes),
        "clustered": int(model.in_conv_.sum()),
        "k": model.k_,
        "group_sizes": sizes,
        "labels": {str(p): g for p, g in model.labels_by_participant().items()},
        "repness": {str(g): [s.statement_id for s in stmts] for g, stmts in model.repness_.items()},
        "repness_direction": {
            str(g): [s.repful_for for s in stmts] for g, stmts in model.repness_.items()
        },
        # the contract: consensus statement ids (agree first, then disagree) ...
        "consensus": [*model.consensus_["agree"], *model.consensus_["disagree"]],
        # ... and the same split by direction
        "consensus_direction": model.consensus_,
        "seconds": round(seconds, 6),
    }


def _print_text(result: dict[str, Any], folder: str) -> None:
    print(f"Conversation: {folder}")
    print(
        f"{result['participants']} participants, {result['statements']} statements with votes, "
        f"{result['votes']} votes; {result['clustered']} participants clustered "
        f"({result['mode']} mode)"
    )
    print(f"Opinion groups: {result['k']} (sizes {', '.join(map(str, result['group_sizes']))})")
    for g, ids in result["repness"].items():
        directions = result["repness_direction"][g]
        items = ", ".join(f"#{i} {d}" for i, d in zip(ids, directions, strict=True))
        print(f"  group {g}: representative statements {items or '-'}")
    agree = ", ".join(f"#{i}" for i in result["consensus_direction"]["agree"]) or "-"
    disagree = ", ".join(f"#{i}" for i in result["consensus_direction"]["disagree"]) or "-"
    print(f"Consensus: agree {agree}; disagree {disagree}")
    print(f"Computed in {result['seconds']:.3f} s")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (2) and --help (0)
        return int(exc.code or 0)
    try:
        export = read_polis_export(args.folder)
        start = time.perf_counter()
        model = OpinionAnalysis(mode=args.mode).fit(export.votes, export.moderated_out, export.meta)
        seconds = time.perf_counter() - start
    except (PolisExportError, ValueError) as exc:
        print(f"cocity opinion: error: {exc}", file=sys.stderr)
        return 2
    result = analysis_result(model, seconds)
    try:
        if args.json:
            sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        else:
            _print_text(result, args.folder)
        sys.stdout.flush()
    except BrokenPipeError:  # pragma: no cover - reader closed the pipe (e.g. `| head`)
        return 0
    return 0
