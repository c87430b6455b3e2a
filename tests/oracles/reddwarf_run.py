"""Run red-dwarf (the oracle) on one Polis export folder and print its results as JSON.

Usage (with the oracle's own python, see tests/oracles/reddwarf.txt):

    .venv-oracles/reddwarf/bin/python tests/oracles/reddwarf_run.py DIR [--time N]

The folder holds ``comments.csv`` and ``votes.csv`` (re-votes allowed; each participant's latest
vote is kept, as red-dwarf's own loader does) or, failing that, ``participants-votes.csv``.
red-dwarf runs with its defaults and ``random_state=0``. ``projections_exact`` repeats only its
PCA step with scikit-learn's exact solver (``svd_solver="full"``), to tell red-dwarf's own
approximation (the randomized solver it picks for larger conversations) from ours. With
``--time N`` the pipeline runs N times and the best wall time is reported in ``seconds``.

This script runs in the oracle's virtualenv only; it must not import cocity.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

csv.field_size_limit(sys.maxsize)


def load_votes(folder: Path) -> list[dict[str, Any]]:
    votes_csv = folder / "votes.csv"
    if votes_csv.exists():
        with votes_csv.open(newline="", encoding="utf-8") as fh:
            rows = [
                {
                    "participant_id": int(r["voter-id"]),
                    "statement_id": int(r["comment-id"]),
                    "vote": int(r["vote"]),
                    "modified": float(r["timestamp"]),
                }
                for r in csv.DictReader(fh)
            ]
        # red-dwarf's Loader.filter_duplicate_votes(keep="recent").
        rows.sort(key=lambda v: v["modified"], reverse=True)
        kept: dict[tuple[int, int], dict[str, Any]] = {}
        for v in rows:
            kept.setdefault((v["participant_id"], v["statement_id"]), v)
        return list(kept.values())
    out = []
    with (folder / "participants-votes.csv").open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        first = header.index("n-disagree") + 1
        tids = [int(t) for t in header[first:]]
        for row in reader:
            pid = int(row[0])
            for tid, cell in zip(tids, row[first:], strict=False):
                if cell.strip() != "":
                    out.append(
                        {
                            "participant_id": pid,
                            "statement_id": tid,
                            "vote": int(float(cell)),
                            "modified": 0.0,
                        }
                    )
    return out


def load_comments(folder: Path) -> tuple[list[int], list[int]]:
    mod_out, meta = [], []
    with (folder / "comments.csv").open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            tid = int(r["comment-id"])
            if int(r["moderated"]) == -1:
                mod_out.append(tid)
            if (r.get("is-meta") or "").strip().lower() == "true":
                meta.append(tid)
    return sorted(mod_out), sorted(meta)


def repness_ids(repness: dict[Any, list[dict[str, Any]]]) -> dict[str, list[list[Any]]]:
    return {
        str(int(g)): [[int(s["tid"]), s["repful-for"]] for s in stmts]
        for g, stmts in repness.items()
    }


def consensus_ids(consensus: dict[str, list[dict[str, Any]]]) -> dict[str, list[int]]:
    return {d: [int(s["tid"]) for s in consensus[d]] for d in ("agree", "disagree")}


def stats_json(grouped: Any) -> dict[str, dict[str, list[float]]]:
    out: dict[str, dict[str, list[float]]] = {}
    for gid, df in grouped.groupby(level="group_id"):
        out[str(int(gid))] = {c: [float(x) for x in df[c].to_numpy()] for c in df.columns}
    return out


def main() -> int:
    from reddwarf.implementations.polis import run_pipeline
    from reddwarf.utils.reducer.base import run_reducer

    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--time", type=int, default=1)
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args()

    votes = load_votes(args.folder)
    mod_out, meta = load_comments(args.folder)
    best = best_cpu = float("inf")
    for _ in range(max(1, args.time)):
        start = time.perf_counter()
        cpu_start = time.process_time()
        result = run_pipeline(
            votes=votes,
            mod_out_statement_ids=mod_out,
            meta_statement_ids=meta,
            random_state=args.random_state,
        )
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - cpu_start)

    pdf = result.participants_df
    pca = result.reducer
    clustered = pdf[pdf["to_cluster"]]
    sdf = result.statements_df
    out: dict[str, Any] = {
        "seconds": best,
        "cpu_seconds": best_cpu,
        "participant_ids": [int(p) for p in pdf.index],
        "statement_ids": [int(s) for s in sdf.index],
        "svd_solver": str(getattr(pca, "_fit_svd_solver", "")),
        "components": np.asarray(pca.components_).tolist(),
        "mean": np.asarray(pca.mean_).tolist(),
        "explained_variance": np.asarray(pca.explained_variance_).tolist(),
        "projections": pdf[["x", "y"]].to_numpy().tolist(),
        "statement_projections": sdf[["x", "y"]].to_numpy().tolist(),
        "extremity": sdf["extremity"].to_numpy().tolist(),
        "priority": sdf["priority"].to_numpy().tolist(),
        "clustered_ids": [int(p) for p in clustered.index],
        "labels": [int(x) for x in clustered["cluster_id"]],
        "k": int(result.clusterer.n_clusters) if result.clusterer is not None else 0,
        "stats": stats_json(result.group_comment_stats),
        "gac_agree": sdf["group-aware-consensus-agree"].to_numpy().tolist(),
        "gac_disagree": sdf["group-aware-consensus-disagree"].to_numpy().tolist(),
        "repness": repness_ids(result.repness),
        "consensus": consensus_ids(result.consensus),
    }
    exact, _, exact_pca = run_reducer(
        vote_matrix=result.filtered_vote_matrix.values, svd_solver="full", random_state=0
    )
    out["projections_exact"] = np.asarray(exact).tolist()
    out["components_exact"] = np.asarray(exact_pca.components_).tolist()
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
