"""Matching speed: 1,000 projects x 100,000 pledges (target < 1 s per rule), with a reference
measured in the same run: summing the pledges per project (numpy ``bincount``), the least any
matching rule must do. Two spreads of pledges: uniform (each pledge to a random project, about
100 pledgers a project) and skewed (Zipf 0.8: the most popular project draws about 6,500), the
second a stress case for the pairwise bound, whose exact cost grows with the pairs of pledgers.

    .venv/bin/python bench/investment/run.py
"""

from __future__ import annotations

import time
from decimal import Decimal

import numpy as np

from cocity.compute.invest.matching import Rule, match_arrays

N_PROJECTS, N_PLEDGES, N_PEOPLE = 1_000, 100_000, 40_000


def best_of(runs: int, func: object) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def run(spread: str, runs: int) -> None:
    rng = np.random.default_rng(20261206)
    if spread == "uniform":
        project = rng.integers(0, N_PROJECTS, size=N_PLEDGES)
    else:
        weights = 1.0 / np.arange(1, N_PROJECTS + 1) ** 0.8
        project = rng.choice(N_PROJECTS, size=N_PLEDGES, p=weights / weights.sum())
    order = np.argsort(project, kind="stable")
    project = project[order].astype(np.int64)
    person = rng.integers(0, N_PEOPLE, size=N_PLEDGES, dtype=np.int64)
    amount = rng.choice([500, 1_000, 2_000, 5_000, 10_000, 50_000], size=N_PLEDGES)
    amount = amount.astype(np.int64)
    ids = [f"p{i}" for i in range(N_PROJECTS)]
    districts = [f"d{i % 12:02d}" for i in range(N_PROJECTS)]
    eligible = np.ones(N_PROJECTS, dtype=bool)
    eligible[7::10] = False  # not the largest project
    rules = {
        "fixed ratio 1:1, cap": Rule(kind="fixed", pot=50_000_000, cap=100_000),
        "pairwise-bounded QF, cap, weight": Rule(
            kind="qf",
            pot=50_000_000,
            cap=500_000,
            threshold=Decimal(50_000),
            district_weights={"d11": Decimal("1.5")},
        ),
    }
    counts = np.bincount(project, minlength=N_PROJECTS)
    print(
        f"{spread}: {N_PROJECTS:,} projects x {N_PLEDGES:,} pledges from {N_PEOPLE:,} people "
        f"(largest project {counts.max():,} pledges)"
    )
    reference = best_of(5, lambda: np.bincount(project, weights=amount, minlength=N_PROJECTS))
    print(f"  reference, sum per project (bincount): {reference * 1000:8.2f} ms")
    for name, rule in rules.items():
        result = match_arrays(rule, ids, districts, eligible, project, person, amount)
        took = best_of(
            runs,
            lambda rule=rule: match_arrays(rule, ids, districts, eligible, project, person, amount),
        )
        print(
            f"  {name:34s}: {took * 1000:8.1f} ms (target < 1000 ms), spent {result.spent:,} "
            f"of {rule.pot:,}"
        )


def main() -> None:
    run("uniform", runs=3)
    run("skewed", runs=1)


if __name__ == "__main__":
    main()
