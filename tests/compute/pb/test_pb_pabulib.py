"""Reading and writing .pb files."""

from __future__ import annotations

from fractions import Fraction

import pytest
from pb_support import DATA, FILES

from cocity.compute.pb.pabulib import PabulibError, format_pb, parse_pb, read_pb


def same(a, b) -> bool:
    return (
        a.projects == b.projects
        and a.budget == b.budget
        and a.vote_type == b.vote_type
        and [a.ballots[i] for i in a.voter_ballot] == [b.ballots[i] for i in b.voter_ballot]
    )


@pytest.mark.parametrize("name", FILES)
def test_parse_write_parse_gives_the_same_election(elections, name) -> None:
    e = elections[name]
    assert e.num_voters == int(e.meta["num_votes"])
    assert len(e.projects) == int(e.meta["num_projects"])
    assert same(parse_pb(format_pb(e)), e)


def test_parsing_lodz_2022_reads_every_voter() -> None:
    # its speed (target < 0.5 s) is measured in bench/pb/run.py, beside pabutools' parser
    e = read_pb(DATA / "Poland_Lodz_2022.pb")
    assert e.num_voters == 90494


def test_decimal_costs_are_exact() -> None:
    e = read_pb(DATA / "Poland_Warszawa_2018_Goclaw.pb")
    assert e.budget == Fraction("972679.04")
    assert e.scale == 25  # 972679.04 = 24316976 / 25


GOOD = """META
key;value
budget;100
vote_type;{vt}
PROJECTS
project_id;cost;name
1;60;"A; with semicolon"
2;40.5;B
VOTES
voter_id;vote{pc}
v1;1,2{p1}
v2;2{p2}
"""


def test_a_written_election_from_scratch_round_trips() -> None:
    e = parse_pb(GOOD.format(vt="cumulative", pc=";points", p1=";2,1", p2=";3"))
    assert e.projects[0].name == "A; with semicolon"
    assert e.ballots[0].points == (2, 1)
    e.voter_rows = None
    e.vote_header = []
    e.project_header = []
    assert same(parse_pb(format_pb(e)), e)


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("hello\n", 1, "expected a META"),
        (
            GOOD.format(vt="approval", pc="", p1="", p2="")
            .replace("2{", "9{")
            .replace("v2;2", "v2;9"),
            12,
            "not in PROJECTS",
        ),
        (GOOD.format(vt="approval", pc="", p1="", p2="").replace("2;40.5", "2;lots"), 8, "cost"),
        (GOOD.format(vt="approval", pc="", p1="", p2="").replace("v2;2", "v2;2;x"), 12, "fields"),
        (GOOD.format(vt="approval", pc="", p1="", p2="").replace("v1;1,2", "v1;1,1"), 11, "twice"),
        (GOOD.format(vt="cumulative", pc=";points", p1=";2", p2=";3"), 11, "points has 1"),
        (GOOD.format(vt="cumulative", pc=";points", p1=";2,x", p2=";3"), 11, "points"),
        (GOOD.format(vt="choose-1", pc="", p1="", p2=""), 11, "choose-1"),
        (GOOD.format(vt="approval", pc="", p1="", p2="").replace("2;40.5", "1;40.5"), 8, "twice"),
        (GOOD.format(vt="approval", pc="", p1="", p2="").replace("2;40.5", "2;-1"), 8, "negative"),
        (GOOD.format(vt="approval", pc="", p1="", p2="").replace("key;value", "k;v"), 2, "header"),
        (
            GOOD.format(vt="approval", pc="", p1="", p2="").replace("budget;100", "budget"),
            3,
            "META line",
        ),
        (GOOD.format(vt="approval", pc="", p1="", p2="").replace("vote\n", "ballot\n"), 10, "vote"),
        (
            GOOD.format(vt="approval", pc="", p1="", p2="").replace("project_id;", "id;"),
            6,
            "project_id",
        ),
        (GOOD.format(vt="approval", pc="", p1="", p2="") + "META\n", 13, "after VOTES"),
        (GOOD.format(vt="approval", pc="", p1="", p2="").replace("PROJECTS", "META"), 5, "twice"),
    ],
)
def test_malformed_files_name_the_line_and_the_problem(text, line, problem) -> None:
    with pytest.raises(PabulibError) as err:
        parse_pb(text)
    assert err.value.line == line
    assert problem in str(err.value)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("budget;100\n", ""), "no 'budget'"),
        (("vote_type;approval", "vote_type;weird"), "unknown vote_type"),
        (("budget;100", "budget;x"), "budget"),
        (("budget;100", "budget;-5"), "negative"),
        (("VOTES\nvoter_id;vote\nv1;1,2\nv2;2\n", ""), "no VOTES"),
    ],
)
def test_missing_or_wrong_meta(change, problem) -> None:
    text = GOOD.format(vt="approval", pc="", p1="", p2="").replace(*change)
    with pytest.raises(PabulibError, match=problem):
        parse_pb(text)


def test_non_utf8_file(tmp_path) -> None:
    p = tmp_path / "x.pb"
    p.write_bytes(b"META\n\xff\xfe\n")
    with pytest.raises(PabulibError, match="UTF-8"):
        read_pb(p)
