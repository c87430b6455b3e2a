"""The whole pipeline, polis mode, and the ``cocity opinion`` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from opinion_support import REPO

from cocity.compute.opinion import OpinionAnalysis, VoteTable, read_polis_export
from cocity.compute.opinion.cli import analysis_result, main


def two_camps(n: int = 60, s: int = 20, seed: int = 0) -> VoteTable:
    rng = np.random.default_rng(seed)
    records = []
    for p in range(n):
        camp = 1 if p < n // 2 else -1
        for t in range(s):
            if rng.random() < 0.7 or t < 8:
                lean = 1 if t % 2 == 0 else -1
                vote = camp * lean if rng.random() < 0.85 else int(rng.integers(-1, 2))
                records.append((p, t, int(vote), float(p * 100 + t)))
    return VoteTable.from_records(records)


def test_compatible_pipeline_finds_the_two_camps() -> None:
    model = OpinionAnalysis().fit(two_camps(), moderated_out=[19], meta=[18])
    assert model.k_ == 2
    labels = model.labels_
    assert len(set(labels[:30].tolist())) == 1
    assert len(set(labels[30:].tolist())) == 1
    assert labels[0] != labels[-1]
    assert model.in_conv_.all()
    assert set(model.repness_) == {0, 1}
    assert all(19 not in [s.statement_id for s in v] for v in model.repness_.values())
    assert model.priority_[18] == 49.0  # meta statement
    assert model.group_aware_consensus_["agree"].shape == (20,)
    assert model.next_statement(seen=range(17)) in (17, 18)
    assert model.next_statement(seen=range(20)) is None
    assert len(model.labels_by_participant()) == 60


def test_participants_below_seven_votes_are_not_clustered() -> None:
    table = two_camps()
    extra = VoteTable.from_records([(999, 0, 1, 1.0), (999, 1, 1, 2.0)])
    both = VoteTable.from_arrays(
        np.concatenate([table.participant, extra.participant]),
        np.concatenate([table.statement, extra.statement]),
        np.concatenate([table.vote, extra.vote]),
        np.concatenate([table.time, extra.time]),  # type: ignore[list-item]
    )
    model = OpinionAnalysis().fit(both)
    assert 999 not in model.labels_by_participant()
    assert model.labels_[-1] == -1
    # Polis' top-up: with top_up=61 the most active remaining participant is added.
    topped = OpinionAnalysis(top_up=61).fit(both)
    assert 999 in topped.labels_by_participant()


def test_polis_mode_updates_keep_participants_and_smooth_k() -> None:
    table = two_camps(n=80)
    model = OpinionAnalysis(mode="polis", n_base_clusters=30)
    model.update(table)
    assert model.k_ == 2
    first = set(model.labels_by_participant())
    # Later, with a new statement only, everyone clustered before stays clustered even though
    # the minimum would now exclude nobody anyway; check a participant with few votes too.
    few = VoteTable.from_records([(500, t, 1, 1e9 + t) for t in range(7)])
    grown = VoteTable.from_arrays(
        np.concatenate([table.participant, few.participant]),
        np.concatenate([table.statement, few.statement]),
        np.concatenate([table.vote, few.vote]),
        np.concatenate([table.time, few.time]),  # type: ignore[list-item]
    )
    model.update(grown)
    assert first <= set(model.labels_by_participant())
    assert 500 in model.labels_by_participant()
    assert model.clusterer_.smoother_.last_k_count == 2
    fresh = OpinionAnalysis(mode="polis", n_base_clusters=30).fit(grown)
    assert fresh.clusterer_.smoother_.last_k_count == 1


def test_unknown_mode_is_rejected() -> None:
    with pytest.raises(ValueError, match="mode must be one of"):
        OpinionAnalysis(mode="magic").fit(two_camps())  # type: ignore[arg-type]


# --- command line ----------------------------------------------------------------------------


def test_cli_json(polis_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(polis_data / "brexit-consensus"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"k", "labels", "repness", "consensus", "seconds"} <= set(out)
    assert out["k"] == len(out["repness"]) == len(out["group_sizes"])
    assert sum(out["group_sizes"]) == len(out["labels"]) == out["clustered"]
    assert all(isinstance(i, int) for ids in out["repness"].values() for i in ids)
    split = out["consensus_direction"]
    assert set(split) == {"agree", "disagree"}
    assert out["consensus"] == split["agree"] + split["disagree"]
    assert all(isinstance(i, int) for i in out["consensus"])


def test_cli_text_and_polis_mode(polis_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(polis_data / "scoop-hivemind.freshwater"), "--mode", "polis"]) == 0
    out = capsys.readouterr().out
    assert "Opinion groups:" in out
    assert "(polis mode)" in out
    assert "Consensus:" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["analyze", "/nonexistent/folder"],
        ["analyze"],
        ["frobnicate"],
        ["analyze", "x", "--mode", "z"],
    ],
)
def test_cli_errors_exit_2_without_traceback(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "error" in err
    assert "Traceback" not in err


def test_cli_too_few_participants(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "comments.csv").write_text("comment-id,moderated\n0,1\n", encoding="utf-8")
    (tmp_path / "votes.csv").write_text("voter-id,comment-id,vote\n1,0,1\n", encoding="utf-8")
    assert main(["analyze", str(tmp_path)]) == 2
    assert "at least 2 participants" in capsys.readouterr().err


def test_cli_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "analyze" in capsys.readouterr().out


def _cocity() -> list[str]:
    script = Path(sys.executable).with_name("cocity")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from cocity.cli import main; sys.exit(main())"]


def test_installed_command_json(polis_data: Path) -> None:
    env: dict[str, Any] = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [*_cocity(), "opinion", "analyze", str(polis_data / "bg2050-volunteers"), "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["k"] == 2
    # the installed command prints what the engine computes in this process
    export = read_polis_export(polis_data / "bg2050-volunteers")
    model = OpinionAnalysis().fit(export.votes, export.moderated_out, export.meta)
    expected = analysis_result(model, seconds=0.0)
    assert {k: v for k, v in out.items() if k != "seconds"} == {
        k: v for k, v in json.loads(json.dumps(expected)).items() if k != "seconds"
    }
    bad = subprocess.run(
        [*_cocity(), "opinion", "analyze", "/nonexistent"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert bad.returncode == 2
    assert "not a folder" in bad.stderr
    assert "Traceback" not in bad.stderr
