"""``cocity invest``: recompute a matching call's split, or an offering's allocation, from the
files the city publishes (docs/investment.md describes both formats)."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from cocity.compute.invest.matching import KINDS, MatchError, Pledge, Project, Rule, match
from cocity.compute.invest.offering import allocate

PLEDGES_FORMAT = "cocity-invest-pledges/1"


def read_pledges(path: Path) -> tuple[dict[str, Any] | None, list[Project], list[Pledge]]:
    """Read an exported call: JSON (rule, projects, pledges) or CSV (``project,pledger,amount``
    and optional ``district``, ``eligible`` columns; the rule then comes from the flags)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        data = json.loads(text)
        if data.get("format") != PLEDGES_FORMAT:
            raise MatchError(f"not a {PLEDGES_FORMAT} file")
        projects = [
            Project(str(p["id"]), str(p.get("district") or ""), bool(p.get("eligible", True)))
            for p in data.get("projects", [])
        ]
        pledges = [
            Pledge(str(p["project"]), str(p["pledger"]), int(p["amount"]))
            for p in data.get("pledges", [])
        ]
        return data.get("rule"), projects, pledges
    seen: dict[str, Project] = {}
    pledges = []
    for row in csv.DictReader(text.splitlines()):
        pid = str(row["project"])
        if pid not in seen:
            eligible = (row.get("eligible") or "true").strip().lower() not in {"0", "false", "no"}
            seen[pid] = Project(pid, (row.get("district") or "").strip(), eligible)
        pledges.append(Pledge(pid, str(row["pledger"]), int(row["amount"])))
    return None, list(seen.values()), pledges


def _rule(published: dict[str, Any] | None, args: argparse.Namespace) -> Rule:
    data: dict[str, Any] = dict(published or {})
    for name in ("kind", "pot", "ratio", "cap", "threshold"):
        value = getattr(args, name)
        if value is not None:
            data[name] = value
    if args.weight:
        weights = {}
        for item in args.weight:
            code, _, weight = item.partition("=")
            weights[code] = weight
        data["district_weights"] = weights
    return Rule.from_dict(data)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cocity invest", description="Matchfunding, offerings.")
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("match", help="split a matching pot from exported pledges")
    m.add_argument("file", type=Path)
    m.add_argument("--rule", dest="kind", choices=KINDS, default=None)
    m.add_argument("--pot", type=int, default=None, help="cents")
    m.add_argument("--ratio", default=None, help="fixed: match per pledged unit")
    m.add_argument("--cap", type=int, default=None, help="cents per project")
    m.add_argument("--threshold", default=None, help="qf: the pairwise bound M (cents)")
    m.add_argument("--weight", action="append", help="district=weight (repeatable)")
    m.add_argument("--json", action="store_true")
    a = sub.add_parser("allocate", help="allocate an oversubscribed offering")
    a.add_argument("file", type=Path, help='JSON: {"units", "cap_per_person", "seed", "requests"}')
    a.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "match":
            published, projects, pledges = read_pledges(args.file)
            result = match(_rule(published, args), projects, pledges).to_dict()
            if args.json:
                print(json.dumps(result, indent=2, sort_keys=True))
            else:
                print(
                    f"rule {result['rule']['kind']}, pot {result['rule']['pot']}, "
                    f"spent {result['spent']}, scale {result['scale']}"
                )
                for p in result["projects"]:
                    print(f"{p['id']}\tpledged {p['pledged']}\tmatch {p['match']}")
            return 0
        data = json.loads(args.file.read_text(encoding="utf-8"))
        allocation = allocate(
            int(data["units"]),
            {str(k): int(v) for k, v in data["requests"].items()},
            seed=str(data["seed"]),
            cap_per_person=data.get("cap_per_person"),
        ).to_dict()
        if args.json:
            print(json.dumps(allocation, indent=2, sort_keys=True))
        else:
            for rid, n in allocation["units"].items():
                print(f"{rid}\t{n}")
        return 0
    except (MatchError, ValueError, KeyError, OSError) as exc:
        print(f"cocity invest: {exc}", file=sys.stderr)
        return 2
