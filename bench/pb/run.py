"""Benchmarks of the PB engine against pabutools, measured in the same run.

    .venv/bin/python bench/pb/run.py [--quick] [--pabutools-add1-limit SECONDS]

Thread pools are pinned to one thread. ``--quick`` skips the per-file pabutools table and the
synthetic election. pabutools' MES + Add1 on Warszawa 2026 takes minutes; it runs in a child
process with a time limit (default 900 s) and, when it does not finish, the figure printed is the
recorded one from tests/compute/pb/oracle/pabutools.json if present, else the limit is reported.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "compute" / "pb"))
DATA = ROOT.parent / "shared" / "data" / "pabulib"
RULES = {
    "greedy": ("greedy", "none"),
    "mes": ("mes", "none"),
    "phragmen": ("phragmen", "none"),
    "mes-add1-exhaustive": ("mes", "add1-exhaustive"),
}


def ours(election, rule: str, *, exact: bool = True) -> tuple[float, list[str]]:
    from cocity.compute.pb.tally import tally

    r, completion = RULES[rule]
    t = time.perf_counter()
    out = tally(election, r, completion=completion, use_points=False, exact=exact)
    return time.perf_counter() - t, out.winner_ids(election)


def pabu(name: str, rule: str, limit: float, multiprofile: bool = False) -> float | None:
    code = (
        "import json,sys; from pb_oracle import run_pabutools, DATA;"
        f"r=run_pabutools(DATA/{name!r}, {rule!r}, multiprofile={multiprofile});"
        "print(json.dumps(r))"
    )
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=limit,
            check=True,
            cwd=ROOT / "tests" / "compute" / "pb",
            env={**os.environ, "PYTHONPATH": str(ROOT / "tests" / "compute" / "pb")},
        )
    except subprocess.TimeoutExpired:
        return None
    return json.loads(proc.stdout)["seconds"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--pabutools-add1-limit", type=float, default=900.0)
    args = ap.parse_args()
    from cocity.compute.pb.pabulib import read_pb

    print(f"# PB engine benchmarks ({time.strftime('%Y-%m-%d')}, 1 thread)")
    t = time.perf_counter()
    lodz = read_pb(DATA / "Poland_Lodz_2022.pb")
    print(
        f"parse Łódź 2022 ({lodz.num_voters} voters): {time.perf_counter() - t:.3f} s (target < 0.5 s)"
    )
    del lodz

    wro = "Poland_Wroclaw_2015_150_-_500.pb"
    e = read_pb(DATA / wro)
    print(f"\n## Wrocław 2015 ({e.num_voters} × {len(e.projects)}), one run (target < 50 ms)")
    for rule in ("greedy", "mes", "phragmen"):
        ours(e, rule)  # warm up
        dt = min(ours(e, rule)[0] for _ in range(3))
        ref = None if args.quick else pabu(wro, rule, 600)
        print(
            f"{rule:10s} ours {dt * 1000:8.1f} ms   pabutools {ref if ref is None else f'{ref * 1000:.0f} ms'}"
        )

    w26 = "Poland_Warszawa_2026.pb"
    e = read_pb(DATA / w26)
    dt, winners = ours(e, "mes-add1-exhaustive")
    print(
        f"\n## Warszawa 2026 MES + add1-exhaustive, exact: ours {dt:.2f} s ({len(winners)} winners), target < 2 s"
    )
    ref = None if args.quick else pabu(w26, "mes-add1-exhaustive", args.pabutools_add1_limit)
    if ref is None:
        print(
            f"pabutools: no answer within {args.pabutools_add1_limit:.0f} s in this run (issue cites ≈ 528 s)"
        )
    else:
        print(f"pabutools: {ref:.1f} s measured in this run; ratio {ref / dt:.0f}×")

    if not args.quick:
        print("\n## Per file: ours / pabutools (plain profile) seconds, ratio")
        print(
            "| file | voters | "
            + " | ".join(
                f"{r} ours | {r} pabutools | ratio" for r in RULES if r != "mes-add1-exhaustive"
            )
            + " |"
        )
        for f in sorted(DATA.glob("*.pb"), key=lambda p: p.stat().st_size):
            el = read_pb(f)
            cells = []
            for rule in ("greedy", "mes", "phragmen"):
                dt, _ = ours(el, rule)
                ref = pabu(f.name, rule, 300)
                ratio = f"{ref / dt:.0f}×" if ref is not None and dt > 0 else "–"
                cells.append(
                    f"{dt * 1000:.1f} ms | {'>300 s' if ref is None else f'{ref:.2f} s'} | {ratio}"
                )
            print(f"| {f.name} | {el.num_voters} | " + " | ".join(cells) + " |", flush=True)

    # peak memory on the largest file (in this process, after everything above: an upper bound)
    big = max(DATA.glob("*.pb"), key=lambda p: p.stat().st_size)
    code = (
        "import resource,sys; from cocity.compute.pb.pabulib import read_pb;"
        "from cocity.compute.pb.tally import tally;"
        f"e=read_pb({str(big)!r});"
        "[tally(e, r) for r in ('greedy','mes','phragmen')];"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    rss = int(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
    )
    print(
        f"\n## Peak memory, {big.name} (parse + greedy + MES + Phragmén): {rss / 1024:.0f} MB (target < 500 MB)"
    )

    if not args.quick:
        from fractions import Fraction

        from cocity.compute.pb.election import Ballot, Election, Project
        from cocity.compute.pb.tally import tally

        rng = np.random.default_rng(1)
        n, m = 1_000_000, 500
        pop = rng.dirichlet(np.full(m, 0.3))
        costs = rng.integers(10_000, 500_000, size=m)
        # 20,000 distinct ballot patterns of 1-5 projects, voters spread over them (Zipf-like)
        patterns = [
            tuple(sorted(set(rng.choice(m, size=rng.integers(1, 6), p=pop).tolist())))
            for _ in range(20000)
        ]
        weights = rng.zipf(1.3, size=len(patterns)).astype(float)
        voter_ballot = rng.choice(len(patterns), size=n, p=weights / weights.sum())
        el = Election(
            meta={"budget": str(int(costs.sum() // 5)), "vote_type": "approval"},
            projects=[Project(str(j), Fraction(int(c))) for j, c in enumerate(costs)],
            ballots=[Ballot(p) for p in patterns],
            voter_ballot=voter_ballot.astype(np.int64),
        )
        t = time.perf_counter()
        out = tally(el, "mes", completion="add1")
        print(
            f"\n## Synthetic 1,000,000 voters × 500 projects approval, MES + Add1: {time.perf_counter() - t:.1f} s "
            f"({len(out.winners)} winners, {out.details['steps']} MES runs), target < 30 s"
        )
    print(
        f"\n(bench process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
