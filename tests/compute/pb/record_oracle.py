"""Record pabutools' answers once, for the oracle tests.

pabutools needs minutes for some file/rule pairs (MES with Add1 on the largest files), so the tests
compare with this recording where pabutools is slow and call pabutools live where it is fast.

    .venv/bin/python tests/compute/pb/record_oracle.py [--timeout SECONDS] [--rules RULE ...]
        [--files NAME ...] [--last-steps]

``--last-steps`` (MES + Add1): where pabutools' whole Add1 loop would take days, start it one
step before the step at which our engine stops (``run_pabutools(from_increment=...)``); the
recording keeps ``from_increment``.

Each (file, rule) answer runs in its own process with a time limit; answers are merged into
``oracle/pabutools.json`` as soon as they arrive, so the script can be stopped and resumed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from pb_oracle import DATA, ORACLE_DIR, RULES, run_pabutools

OUT = ORACLE_DIR / "pabutools.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load() -> dict:
    if OUT.exists():
        return json.loads(OUT.read_text())
    import pabutools

    return {"pabutools_version": getattr(pabutools, "__version__", "1.2.3"), "answers": {}}


def save(data: dict) -> None:
    ORACLE_DIR.mkdir(exist_ok=True)
    tmp = OUT.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    tmp.replace(OUT)


def our_add1_increments(path: Path) -> int:
    """How many unit steps above ``budget / voters`` our exact Add1 stops at."""
    from cocity.compute.pb.pabulib import read_pb
    from cocity.compute.pb.tally import tally

    out = tally(read_pb(path), "mes", completion="add1-exhaustive", use_points=False, exact=True)
    return int(out.details["increments"])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--rules", nargs="*", default=list(RULES))
    parser.add_argument("--files", nargs="*", default=None)
    parser.add_argument("--last-steps", action="store_true")
    parser.add_argument("--one", nargs=2, metavar=("FILE", "RULE"), help=argparse.SUPPRESS)
    parser.add_argument("--from-increment", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        answer = run_pabutools(DATA / args.one[0], args.one[1], from_increment=args.from_increment)
        print(json.dumps(answer))
        return 0
    files = sorted(DATA.glob("*.pb"), key=lambda p: p.stat().st_size)
    if args.files:
        files = [f for f in files if f.name in args.files]
    for rule in args.rules:
        for f in files:
            data = load()
            key = f"{f.name}::{rule}"
            if key in data["answers"] and data["answers"][key].get("sha256") == sha256(f):
                continue
            cmd = [sys.executable, __file__, "--one", f.name, rule]
            start = 0
            if args.last_steps and rule == "mes-add1-exhaustive":
                start = max(0, our_add1_increments(f) - 1)
                cmd += ["--from-increment", str(start)]
            try:
                proc = subprocess.run(
                    cmd, capture_output=True, text=True, timeout=args.timeout, check=True
                )
            except subprocess.TimeoutExpired:
                print(f"{key}: no answer within {args.timeout:.0f} s", flush=True)
                continue
            answer = json.loads(proc.stdout)
            answer["sha256"] = sha256(f)
            if start:
                answer["from_increment"] = start
            answer["seconds"] = round(answer["seconds"], 3)
            data = load()
            data["answers"][key] = answer
            save(data)
            print(f"{key}: {len(answer['winners'])} winners in {answer['seconds']} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
