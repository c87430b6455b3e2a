"""Benchmarks of the PB engine against pabutools, measured in the same run.

    .venv/bin/python bench/pb/run.py [--quick] [--table] [--synthetic] [--files NAME ...]
                                     [--pabutools-add1-limit SECONDS] [--add1-limit SECONDS]

Thread pools are pinned to one thread. Every figure of ours is printed beside pabutools' figure
measured in the same run (pabutools in a child process, rule time only, on its own
``as_multiprofile()``), except pabutools' MES + Add1, which takes minutes to hours: that one is
the time recorded by tests/compute/pb/record_oracle.py (marked *rec*), or measured live for
Warszawa 2026 when ``--pabutools-add1-limit`` is above zero.

``--table``: the per-file table over all shared files, greedy / MES / Phragmén / MES +
add1-exhaustive (Markdown). ``--synthetic``: 1,000,000 voters × 500 projects, MES + Add1.
Without options: the headline figures (Wrocław 2015, Warszawa 2026, memory).
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


def pabu(name: str, rule: str, limit: float, multiprofile: bool = True) -> float | None:
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


PABU_CHILD = """
import json, sys, time
from pabutools.election import Cost_Sat, parse_pabulib
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares
from pabutools.rules.phragmen import sequential_phragmen
from pb_oracle import DATA, _approval_view
instance, profile = parse_pabulib(str(DATA / sys.argv[1]))
multi = profile.as_multiprofile()
approval = _approval_view(profile).as_multiprofile()
for rule in sys.argv[2:]:
    t = time.perf_counter()
    if rule == "greedy":
        greedy_utilitarian_welfare(instance, multi, sat_class=Cost_Sat)
    elif rule == "mes":
        method_of_equal_shares(instance, multi, sat_class=Cost_Sat)
    else:
        sequential_phragmen(instance, approval)
    print(json.dumps([rule, time.perf_counter() - t]), flush=True)
"""


def pabu_file(name: str, rules: list[str], limit: float) -> dict[str, float]:
    """pabutools' rule times on one file (one child process, one parse), within ``limit``."""
    cmd = [sys.executable, "-c", PABU_CHILD, name, *rules]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests" / "compute" / "pb")}
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=limit, check=True, env=env
        )
        out = proc.stdout
    except subprocess.TimeoutExpired as exc:
        raw = exc.stdout or b""
        out = raw.decode() if isinstance(raw, bytes) else raw
    return dict(json.loads(line) for line in out.splitlines() if line.strip())


OURS_CHILD = """
import json, sys, time
sys.path.insert(0, sys.argv[3])
from run import ours
from cocity.compute.pb.pabulib import read_pb
e = read_pb(sys.argv[1])
dt, winners = ours(e, sys.argv[2])
print(json.dumps([dt, len(winners)]))
"""


def ours_limited(path: Path, rule: str, limit: float) -> float | None:
    """Our time for one rule in a child process (Add1 takes minutes on a few files)."""
    cmd = [sys.executable, "-c", OURS_CHILD, str(path), rule, str(Path(__file__).parent)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, check=True)
    except subprocess.TimeoutExpired:
        return None
    return float(json.loads(proc.stdout)[0])


def recorded() -> dict:
    path = ROOT / "tests" / "compute" / "pb" / "oracle" / "pabutools.json"
    return json.loads(path.read_text())["answers"]


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def ratio(ref: float | None, dt: float | None) -> str:
    if ref is None or dt is None or dt <= 0:
        return "–"
    return f"{ref / dt:,.0f}×"


def table(files: list[Path], add1_limit: float) -> None:
    rec = recorded()
    print("\n## Per file: ours vs pabutools 1.2.3 (same run; Add1 pabutools: *rec* = recorded)\n")
    print(
        "| file | voters × projects | greedy ours / pabutools | mes ours / pabutools "
        "| phragmen ours / pabutools | mes + add1-exh. ours / pabutools |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for f in files:
        from cocity.compute.pb.pabulib import read_pb

        el = read_pb(f)
        cells = []
        ref = pabu_file(f.name, ["greedy", "mes", "phragmen"], 900)
        for rule in ("greedy", "mes", "phragmen"):
            dt = min(ours(el, rule)[0] for _ in range(3))
            r = ref.get(rule)
            cells.append(f"{fmt(dt)} / {fmt(r) if r is not None else '>900 s'} ({ratio(r, dt)})")
        dt_a = ours_limited(f, "mes-add1-exhaustive", add1_limit)
        r_a = rec.get(f"{f.name}::mes-add1-exhaustive")
        ours_a = fmt(dt_a) if dt_a is not None else f">{add1_limit:.0f} s"
        if r_a is None:
            cells.append(f"{ours_a} / not recorded")
        else:
            cells.append(f"{ours_a} / {fmt(r_a['seconds'])} *rec* ({ratio(r_a['seconds'], dt_a)})")
        size = f"{el.num_voters:,} × {len(el.projects)}"
        print(f"| {f.name.removesuffix('.pb')} | {size} | " + " | ".join(cells) + " |", flush=True)
    covered = sum(1 for f in files if f"{f.name}::mes-add1-exhaustive" in rec)
    print(f"\npabutools MES + Add1 recordings cover {covered} of {len(files)} files.")


def synthetic() -> None:
    from fractions import Fraction

    from cocity.compute.pb.election import Ballot, Election, Project
    from cocity.compute.pb.tally import tally

    rng = np.random.default_rng(1)
    n, m = 1_000_000, 500
    t = time.perf_counter()
    # each voter approves 1-5 projects drawn by popularity (Dirichlet), costs 10,000-500,000,
    # budget a fifth of the total cost
    pop = rng.dirichlet(np.full(m, 1.0))
    costs = rng.integers(10_000, 500_001, size=m)
    draws = np.sort(rng.choice(m, size=(n, 5), p=pop), axis=1)
    size = rng.integers(1, 6, size=n)
    draws[np.arange(5)[None, :] >= size[:, None]] = m  # padding, sorted to the end
    draws.sort(axis=1)
    draws[:, 1:][draws[:, 1:] == draws[:, :-1]] = m  # repeated draws count once
    draws.sort(axis=1)
    rows, voter_ballot = np.unique(draws, axis=0, return_inverse=True)
    ballots = [Ballot(tuple(int(j) for j in row if j < m)) for row in rows.tolist()]
    el = Election(
        meta={"budget": str(int(costs.sum() // 5)), "vote_type": "approval"},
        projects=[Project(str(j), Fraction(int(c))) for j, c in enumerate(costs)],
        ballots=ballots,
        voter_ballot=voter_ballot.reshape(-1).astype(np.int64),
    )
    gen = time.perf_counter() - t
    for completion in ("add1", "add1-exhaustive"):
        t = time.perf_counter()
        out = tally(el, "mes", completion=completion)
        print(
            f"\n## Synthetic {n:,} voters × {m} projects, {len(ballots):,} distinct ballots "
            f"(seed 1; generated in {gen:.1f} s), "
            f"MES + {completion}, exact: {time.perf_counter() - t:.1f} s "
            f"({len(out.winners)} winners, {out.details['steps']} MES runs), target < 30 s"
        )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="no pabutools runs")
    ap.add_argument("--table", action="store_true", help="per-file table over all shared files")
    ap.add_argument("--synthetic", action="store_true", help="1,000,000 × 500 MES + Add1")
    ap.add_argument("--files", nargs="*", default=None, help="restrict the table to these files")
    ap.add_argument("--add1-limit", type=float, default=300.0, help="our Add1 time limit, table")
    ap.add_argument("--pabutools-add1-limit", type=float, default=0.0)
    args = ap.parse_args()
    from cocity.compute.pb.pabulib import read_pb

    print(f"# PB engine benchmarks ({time.strftime('%Y-%m-%d %H:%M')}, 1 thread)")
    print(f"(load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())})")
    if args.table or args.synthetic:
        if args.table:
            files = sorted(DATA.glob("*.pb"), key=lambda p: p.stat().st_size)
            if args.files:
                files = [f for f in files if f.name in args.files]
            table(files, args.add1_limit)
        if args.synthetic:
            synthetic()
        return 0

    t = time.perf_counter()
    lodz = read_pb(DATA / "Poland_Lodz_2022.pb")
    print(
        f"parse Łódź 2022 ({lodz.num_voters} voters): {time.perf_counter() - t:.3f} s (target < 0.5 s)"
    )
    del lodz

    wro = "Poland_Wroclaw_2015_150_-_500.pb"
    e = read_pb(DATA / wro)
    print(f"\n## Wrocław 2015 ({e.num_voters} × {len(e.projects)}), one run (target < 50 ms)")
    ref = {} if args.quick else pabu_file(wro, ["greedy", "mes", "phragmen"], 900)
    for rule in ("greedy", "mes", "phragmen"):
        ours(e, rule)  # warm up
        dt = min(ours(e, rule)[0] for _ in range(5))
        r = ref.get(rule)
        print(f"{rule:10s} ours {fmt(dt):>9}   pabutools {fmt(r):>9}   ratio {ratio(r, dt)}")

    w26 = "Poland_Warszawa_2026.pb"
    e = read_pb(DATA / w26)
    print(f"\n## Warszawa 2026 ({e.num_voters} × {len(e.projects)})")
    ref = {} if args.quick else pabu_file(w26, ["greedy", "mes", "phragmen"], 900)
    for rule in ("greedy", "mes", "phragmen"):
        dt = min(ours(e, rule)[0] for _ in range(3))
        r = ref.get(rule)
        print(f"{rule:10s} ours {fmt(dt):>9}   pabutools {fmt(r):>9}   ratio {ratio(r, dt)}")
    runs = [ours(e, "mes-add1-exhaustive") for _ in range(3)]
    dt = min(x[0] for x in runs)
    print(
        f"MES + add1-exhaustive, exact: ours {dt:.2f} s (best of 3; all: "
        f"{', '.join(f'{x[0]:.2f}' for x in runs)}; {len(runs[0][1])} winners), target < 2 s"
    )
    rec = recorded().get(f"{w26}::mes-add1-exhaustive")
    if args.pabutools_add1_limit > 0:
        r = pabu(w26, "mes-add1-exhaustive", args.pabutools_add1_limit)
        if r is None:
            print(f"pabutools: no answer within {args.pabutools_add1_limit:.0f} s in this run")
        else:
            print(f"pabutools: {r:.1f} s measured in this run; ratio {r / dt:,.0f}×")
    elif rec is not None:
        print(
            f"pabutools: {rec['seconds']:.1f} s recorded (record_oracle.py); ratio {rec['seconds'] / dt:,.0f}×"
        )
    else:
        print("pabutools: no recorded time (issue cites ≈ 528 s)")

    # peak memory on the largest file, in a fresh process: parse + the three rules
    big = max(DATA.glob("*.pb"), key=lambda p: p.stat().st_size)
    code = (
        "import resource,sys,tracemalloc; tracemalloc.start();"
        "from cocity.compute.pb.pabulib import read_pb;"
        "from cocity.compute.pb.tally import tally;"
        f"e=read_pb({str(big)!r});"
        "[tally(e, r) for r in ('greedy','mes','phragmen')];"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, tracemalloc.get_traced_memory()[1])"
    )
    rss, traced = (
        int(x)
        for x in subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    print(
        f"\n## Peak memory, {big.name} (parse + greedy + MES + Phragmén): "
        f"{rss / 1024:.0f} MB peak RSS, {traced / 2**20:.0f} MB peak traced allocations "
        "(target < 500 MB)"
    )
    print(
        f"\n(bench process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
