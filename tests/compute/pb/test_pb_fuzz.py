"""The .pb reader under fuzzing: any text either parses into an election that writes and reads
back the same, or raises ``PabulibError`` naming the problem; never another exception."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_pb_pabulib import GOOD, same

from cocity.compute.pb.pabulib import PabulibError, format_pb, parse_pb

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

VALID = [
    GOOD.format(vt="approval", pc="", p1="", p2=""),
    GOOD.format(vt="cumulative", pc=";points", p1=";2,1", p2=";3"),
    GOOD.format(vt="ordinal", pc="", p1="", p2=""),
]

# what a careless export or a hostile upload puts in a field
FIELD = st.one_of(
    st.sampled_from(
        ["", "-1", "0", "1e309", "inf", "-inf", "nan", "NaN", "1/0", "0x10", "1,5", "2,2", "1,,2"]
    ),
    st.sampled_from(["99999999999999999999999999", "1e-400", ";", '"', '"a;b"', "\ufeff", "\x00"]),
    st.integers(-(10**30), 10**30).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=12),
)


def _check(text: str) -> None:
    try:
        election = parse_pb(text)
    except PabulibError as exc:
        message = str(exc)
        assert message  # a message a person can act on
        return
    assert same(parse_pb(format_pb(election)), election)


@FUZZ
@given(st.text(max_size=400))
@example("META\nkey;value\n")
@example("PROJECTS\nproject_id;cost\n1;1\nVOTES\nvoter_id;vote\nv;1\n")
def test_any_text_parses_or_raises_a_pabulib_error(text: str) -> None:
    _check(text)


@FUZZ
@given(
    base=st.sampled_from(VALID),
    edits=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 6), FIELD), min_size=1, max_size=4),
)
def test_files_with_damaged_fields_parse_or_raise_a_pabulib_error(
    base: str, edits: list[tuple[int, int, str]]
) -> None:
    lines = base.split("\n")
    for line_no, column, value in edits:
        row = lines[line_no % len(lines)].split(";")
        row[column % len(row)] = value
        lines[line_no % len(lines)] = ";".join(row)
    _check("\n".join(lines))


@FUZZ
@given(
    base=st.sampled_from(VALID),
    cuts=st.lists(st.tuples(st.integers(0, 40), st.booleans()), min_size=1, max_size=3),
)
def test_files_with_lines_lost_or_repeated_parse_or_raise_a_pabulib_error(
    base: str, cuts: list[tuple[int, bool]]
) -> None:
    lines = base.split("\n")
    for line_no, repeat in cuts:
        i = line_no % len(lines)
        if repeat:
            lines.insert(i, lines[i])
        else:
            del lines[i]
        if not lines:
            break
    _check("\n".join(lines))
