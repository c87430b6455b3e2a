"""The ``cocity pb`` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pb_support import DATA

from cocity.compute.pb.cli import main
from cocity.compute.pb.tally import tally

ASSEN = str(DATA / "Netherlands_Assen_2024.pb")
DIEPPE = str(DATA / "Canada_Stanford_Dataset_PB_Dieppe_2018_vote_approvals.pb")
WIELICZKA = str(DATA / "Poland_Wieliczka_2023_Green_Budget.pb")


def test_tally_json(capsys, elections: dict) -> None:
    assert main(["tally", WIELICZKA, "--rule", "mes", "--completion", "add1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rule"] == "mes"
    assert out["completion"] == "add1"
    # the command prints the engine's winners, and the money it reports is theirs
    election = elections[Path(WIELICZKA).name]
    assert out["winners"] == tally(election, "mes", completion="add1").winner_ids(election)
    assert len(out["winners"]) == 30
    cost = {p.id: p.cost for p in election.projects}
    assert out["spent"] == sum(cost[w] for w in out["winners"])
    assert out["spent"] <= out["budget"] == 1000000
    assert isinstance(out["seconds"], float)


@pytest.mark.slow  # stepping is 72,726 MES runs
def test_tally_jump_gives_the_winners_of_stepping_with_far_fewer_runs(capsys) -> None:
    veszprem = str(DATA / "Hungary_Veszprem_2025.pb")
    base = ["tally", veszprem, "--rule", "mes", "--completion", "add1-exhaustive", "--json"]
    assert main([*base, "--jump"]) == 0
    jumped = json.loads(capsys.readouterr().out)
    assert main(base) == 0
    stepped = json.loads(capsys.readouterr().out)
    assert jumped["winners"] == stepped["winners"]
    assert (jumped["mes_runs"], stepped["mes_runs"]) == (18, 72_726)


@pytest.mark.parametrize("rule", ["greedy", "greedy-card", "mes", "mes-card", "phragmen"])
def test_tally_text_for_every_rule(capsys, rule) -> None:
    assert (
        main(
            [
                "tally",
                ASSEN,
                "--rule",
                rule,
                "--float",
                "--ejr",
                "--tie-break",
                "cost-votes-lot",
                "--threshold",
                "--no-skip",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "winners" in out
    assert "EJR" in out


def test_compare_and_explain(capsys) -> None:
    assert main(["compare", DIEPPE]) == 0
    table = capsys.readouterr().out
    assert "phragmen" in table
    assert "spent" in table
    assert main(["compare", DIEPPE, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["rule"] for r in rows} >= {"greedy", "mes", "phragmen"}
    assert main(["explain", ASSEN, "--project", "8"]) == 0
    assert "not funded" in capsys.readouterr().out
    assert main(["explain", ASSEN, "--project", "3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["won"] is True


def test_errors_exit_2_without_traceback(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.pb"
    bad.write_text(
        "META\nkey;value\nbudget;10\nvote_type;approval\nPROJECTS\n"
        "project_id;cost\n1;5\nVOTES\nvoter_id;vote\nv1;7\n"
    )
    assert main(["tally", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "line 10" in err
    assert "'7'" in err
    assert "Traceback" not in err
    assert main(["tally", str(tmp_path / "missing.pb")]) == 2
    assert main(["explain", ASSEN, "--project", "nope"]) == 2


def test_console_command_in_a_subprocess() -> None:
    exe = Path(sys.executable).parent / "cocity"
    proc = subprocess.run(
        [str(exe), "pb", "tally", ASSEN, "--rule", "mes", "--completion", "add1", "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert len(json.loads(proc.stdout)["winners"]) == 9


def test_tally_reads_the_rule_from_meta_and_flags_override_it(capsys, tmp_path: Path) -> None:
    text = (
        "META\nkey;value\nbudget;100\nvote_type;approval\ncocity_rule;greedy\n"
        "cocity_completion;none\ncocity_tie_break;lexico\ncocity_seed;0\n"
        "PROJECTS\nproject_id;cost\na;60\nb;30\nc;30\n"
        "VOTES\nvoter_id;vote\n"
        + "".join(f"{i};a\n" for i in range(8))
        + "".join(f"{i + 8};b\n" for i in range(6))
        + "".join(f"{i + 14};c\n" for i in range(6))
    )
    path = tmp_path / "meta.pb"
    path.write_text(text)
    assert main(["tally", str(path), "--json"]) == 0
    from_meta = json.loads(capsys.readouterr().out)
    assert from_meta["rule"] == "greedy"
    assert from_meta["winners"] == ["a", "b"]  # greedy: most votes first
    assert main(["tally", str(path), "--json", "--rule", "mes", "--completion", "add1"]) == 0
    flagged = json.loads(capsys.readouterr().out)
    assert sorted(flagged["winners"]) == ["b", "c"]  # Equal Shares: a's 8 voters hold 40 < 60
    assert flagged["result_sha256"] != from_meta["result_sha256"]
    # without cocity META the defaults are as before: mes, no completion
    path.write_text(text.replace("cocity_rule;greedy\n", ""))
    assert main(["tally", str(path), "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert (plain["rule"], plain["completion"]) == ("mes", "none")
