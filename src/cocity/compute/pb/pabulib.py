"""Read and write Pabulib ``.pb`` files (https://pabulib.org/format).

A file has three sections, each opened by a line ``META``, ``PROJECTS`` or ``VOTES`` followed by
a header line; fields are separated by ``;`` (CSV quoting allowed). Errors name the line and the
problem (:class:`PabulibError`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import numpy as np

from cocity.compute.pb.election import (
    VOTE_TYPES,
    Ballot,
    Election,
    PBError,
    Project,
    parse_number,
)


class PabulibError(PBError):
    def __init__(self, line: int | None, problem: str) -> None:
        self.line = line
        self.problem = problem
        super().__init__(f"line {line}: {problem}" if line is not None else problem)


def read_pb(path: str | Path) -> Election:
    """Parse a ``.pb`` file."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            text = fh.read()
    except UnicodeDecodeError as exc:
        raise PabulibError(None, f"{path}: not UTF-8 text ({exc.reason})") from None
    return parse_pb(text)


def parse_pb(text: str) -> Election:
    """Parse the text of a ``.pb`` file."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    meta: dict[str, str] = {}
    projects: list[Project] = []
    project_header: list[str] = []
    vote_header: list[str] = []
    id_to_index: dict[str, int] = {}
    seen_sections: set[str] = set()
    section = ""
    header: list[str] | None = None
    i = 0
    n = len(lines)
    while i < n:
        raw = lines[i].rstrip("\r")
        i += 1
        if not raw.strip():
            continue
        row = _split(raw)
        head = row[0].strip().lower()
        if len(row) == 1 and head in ("meta", "projects", "votes"):
            if head in seen_sections:
                raise PabulibError(i, f"section {head.upper()} appears twice")
            seen_sections.add(head)
            section = head
            header = None
            continue
        if not section:
            raise PabulibError(i, "expected a META, PROJECTS or VOTES section line")
        if header is None:
            header = [h.strip() for h in row]
            if section == "meta":
                if header[:2] != ["key", "value"]:
                    raise PabulibError(i, "META header must be 'key;value'")
            elif section == "projects":
                if "project_id" not in header or "cost" not in header:
                    raise PabulibError(i, "PROJECTS header needs 'project_id' and 'cost'")
                project_header = header
            else:
                if "vote" not in header:
                    raise PabulibError(i, "VOTES header needs a 'vote' column")
                vote_header = header
                break
            continue
        if section == "meta":
            if len(row) < 2:
                raise PabulibError(i, f"META line needs 'key;value', got {raw!r}")
            meta[row[0].strip()] = ";".join(row[1:]).strip()
        elif section == "projects":
            projects.append(_parse_project(row, header, i, id_to_index))
        else:  # pragma: no cover - the VOTES header breaks out of this loop
            raise AssertionError(section)
    for name in ("meta", "projects", "votes"):
        if name not in seen_sections:
            raise PabulibError(None, f"the file has no {name.upper()} section")
    _check_meta(meta)
    vote_type = meta["vote_type"]
    if not vote_header:
        raise PabulibError(None, "the VOTES section has no header line")
    header = vote_header
    # VOTES: the rest of the file. Distinct (vote, points) strings are parsed once each.
    width = len(header)
    vote_col = header.index("vote")
    points_col = header.index("points") if "points" in header else -1
    ballot_keys: dict[tuple[str, str | None], int] = {}
    first_line: list[int] = []
    voter_ballot: list[int] = []
    voter_rows: list[str] = []
    for k in range(i, n):
        raw = lines[k]
        if not raw or raw == "\r" or not raw.strip():
            continue
        raw = raw.rstrip("\r")
        row = _split(raw)
        if len(row) != width:
            if len(row) == 1 and row[0].strip().lower() in ("meta", "projects", "votes"):
                raise PabulibError(k + 1, f"section {row[0].strip().upper()} after VOTES")
            raise PabulibError(
                k + 1, f"VOTES line has {len(row)} fields but the header has {width}"
            )
        key = (row[vote_col], row[points_col] if points_col >= 0 else None)
        idx = ballot_keys.get(key)
        if idx is None:
            idx = ballot_keys[key] = len(first_line)
            first_line.append(k + 1)
        voter_ballot.append(idx)
        voter_rows.append(raw)
    ballots = [
        _parse_ballot(vote, pts, vote_type, id_to_index, first_line[b])
        for b, (vote, pts) in enumerate(ballot_keys)
    ]
    return Election(
        meta=meta,
        projects=projects,
        ballots=ballots,
        voter_ballot=np.asarray(voter_ballot, dtype=np.int64),
        project_header=project_header,
        vote_header=vote_header,
        voter_rows=voter_rows,
    )


def _split(line: str) -> list[str]:
    if '"' not in line:
        return line.split(";")
    return next(csv.reader([line], delimiter=";"))


def _check_meta(meta: dict[str, str]) -> None:
    for key in ("budget", "vote_type"):
        if key not in meta:
            raise PabulibError(None, f"META has no {key!r}")
    if meta["vote_type"] not in VOTE_TYPES:
        raise PabulibError(
            None,
            f"unknown vote_type {meta['vote_type']!r} (expected one of {', '.join(VOTE_TYPES)})",
        )
    try:
        budget = parse_number(meta["budget"])
    except ValueError as exc:
        raise PabulibError(None, f"META budget: {exc}") from None
    if budget < 0:
        raise PabulibError(None, "META budget is negative")


def _parse_project(
    row: list[str], header: list[str], line: int, id_to_index: dict[str, int]
) -> Project:
    if len(row) != len(header):
        raise PabulibError(
            line, f"PROJECTS line has {len(row)} fields but the header has {len(header)}"
        )
    values = {h: v.strip() for h, v in zip(header, row, strict=True)}
    pid = values["project_id"]
    if not pid:
        raise PabulibError(line, "empty project_id")
    if pid in id_to_index:
        raise PabulibError(line, f"project {pid!r} is listed twice")
    try:
        cost = parse_number(values["cost"])
    except ValueError as exc:
        raise PabulibError(line, f"cost of project {pid!r}: {exc}") from None
    if cost < 0:
        raise PabulibError(line, f"cost of project {pid!r} is negative")
    id_to_index[pid] = len(id_to_index)
    return Project(pid, cost, values)


def _parse_ballot(
    vote: str, pts: str | None, vote_type: str, id_to_index: dict[str, int], line: int
) -> Ballot:
    try:
        projects = [id_to_index[pid] for pid in vote.split(",")] if vote else []
    except KeyError:
        projects = []
        for pid in (v.strip() for v in vote.split(",")):
            if not pid:
                continue
            j = id_to_index.get(pid)
            if j is None:
                raise PabulibError(
                    line, f"vote lists project {pid!r}, which is not in PROJECTS"
                ) from None
            projects.append(j)
    if len(projects) > 1 and len(set(projects)) != len(projects):
        raise PabulibError(line, f"vote lists a project twice: {vote!r}")
    if vote_type == "choose-1" and len(projects) > 1:
        raise PabulibError(line, f"choose-1 vote lists {len(projects)} projects")
    points: tuple[Fraction, ...] | None = None
    if vote_type in ("cumulative", "scoring"):
        if pts is None:
            raise PabulibError(line, f"{vote_type} votes need a 'points' column")
        raw = [p.strip() for p in pts.split(",")] if pts else []
        raw = [p for p in raw if p]
        if len(raw) != len(projects):
            raise PabulibError(
                line, f"vote lists {len(projects)} projects but points has {len(raw)} values"
            )
        try:
            points = tuple(parse_number(p) for p in raw)
        except ValueError as exc:
            raise PabulibError(line, f"points: {exc}") from None
    return Ballot(tuple(projects), points)


# --------------------------------------------------------------------------- writing
def _fmt(x: Fraction) -> str:
    if x.denominator == 1:
        return str(x.numerator)
    # exact decimal if the denominator divides a power of ten, else a float-free fraction
    d = x.denominator
    k = 0
    while d % 10 == 0 or d % 2 == 0 or d % 5 == 0:
        if d % 10 == 0:
            d //= 10
        elif d % 2 == 0:
            d //= 2
        else:
            d //= 5
        k += 1
    if d == 1:
        scaled = x * 10**k
        sign = "-" if scaled < 0 else ""
        digits = str(abs(scaled.numerator)).rjust(k + 1, "0")
        return f"{sign}{digits[:-k]}.{digits[-k:]}".rstrip("0").rstrip(".")
    return f"{x.numerator}/{x.denominator}"


def format_pb(election: Election) -> str:
    """The election as ``.pb`` text; ``parse_pb(format_pb(e))`` gives back the same election."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\n")
    meta = dict(election.meta)
    meta["num_projects"] = str(len(election.projects))
    meta["num_votes"] = str(election.num_voters)
    w.writerow(["META"])
    w.writerow(["key", "value"])
    for k, v in meta.items():
        w.writerow([k, v])
    w.writerow(["PROJECTS"])
    extra = [h for h in election.project_header if h not in ("project_id", "cost")]
    if not election.project_header:
        keys: list[str] = []
        for p in election.projects:
            keys.extend(k for k in p.meta if k not in ("project_id", "cost") and k not in keys)
        extra = keys
    w.writerow(["project_id", "cost", *extra])
    for p in election.projects:
        w.writerow([p.id, _fmt(p.cost), *(p.meta.get(h, "") for h in extra)])
    w.writerow(["VOTES"])
    cardinal = election.is_cardinal
    header = list(election.vote_header) or ["voter_id", "vote", *(["points"] if cardinal else [])]
    if cardinal and "points" not in header:
        header.append("points")
    w.writerow(header)
    vote_col = header.index("vote")
    points_col = header.index("points") if "points" in header else -1
    rows: Iterable[list[str]]
    if election.voter_rows is not None and len(election.voter_rows) == election.num_voters:
        rows = (_split(r) for r in election.voter_rows)
    else:
        rows = ([str(i + 1)] + [""] * (len(header) - 1) for i in range(election.num_voters))
    rendered: dict[int, tuple[str, str]] = {}
    for row, b_idx in zip(rows, election.voter_ballot.tolist(), strict=True):
        r = list(row) + [""] * (len(header) - len(row))
        vote_s, pts_s = rendered.get(b_idx) or rendered.setdefault(
            b_idx, _render_ballot(election, election.ballots[b_idx])
        )
        r[vote_col] = vote_s
        if points_col >= 0:
            r[points_col] = pts_s
        w.writerow(r)
    return out.getvalue()


def _render_ballot(election: Election, ballot: Ballot) -> tuple[str, str]:
    vote = ",".join(election.projects[j].id for j in ballot.projects)
    pts = ",".join(_fmt(p) for p in ballot.points) if ballot.points is not None else ""
    return vote, pts


def write_pb(election: Election, path: str | Path) -> None:
    Path(path).write_text(format_pb(election), encoding="utf-8")
