"""Read a Polis openData export folder (``votes.csv`` or ``participants-votes.csv``, and
``comments.csv``).

Export convention: ``vote`` is 1 = agree, -1 = disagree, 0 = pass, blank = not seen. ``votes.csv``
keeps re-votes (the vote matrix keeps each participant's latest); ``participants-votes.csv`` is
already the final matrix (its vote times are unknown). In ``comments.csv``, ``moderated`` is
1 (in), 0 (not yet moderated) or -1 (moderated out).
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from cocity.compute.opinion.matrix import VoteTable

csv.field_size_limit(sys.maxsize)


class PolisExportError(ValueError):
    """The folder is not a readable Polis export."""


@dataclass(frozen=True)
class PolisExport:
    """Votes and statement metadata of one conversation."""

    votes: VoteTable
    statement_ids: NDArray[np.int64]
    moderated_out: tuple[int, ...]
    meta: tuple[int, ...]
    #: ``group-id`` of participants-votes.csv (participant → group), when present.
    export_groups: dict[int, int] = field(default_factory=dict)
    #: ``group-informed-consensus`` of comments.csv (statement → value), when present.
    export_group_consensus: dict[int, float] = field(default_factory=dict)
    source: str = ""


def _int(value: str | None, what: str, path: Path, line: int) -> int:
    if value is None:  # a row shorter than the header
        raise PolisExportError(f"{path}:{line}: {what} is missing")
    try:
        return int(value)
    except ValueError:
        try:
            as_float = float(value)
        except ValueError:
            as_float = float("nan")
        if as_float.is_integer():
            return int(as_float)
        raise PolisExportError(f"{path}:{line}: {what} {value!r} is not an integer") from None


def _read_votes_csv(path: Path) -> VoteTable:
    pids: list[int] = []
    tids: list[int] = []
    vals: list[int] = []
    times: list[float] = []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = {"voter-id", "comment-id", "vote"} - set(reader.fieldnames or ())
        if missing:
            raise PolisExportError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        has_time = "timestamp" in (reader.fieldnames or ())
        for line, row in enumerate(reader, start=2):
            pids.append(_int(row["voter-id"], "voter-id", path, line))
            tids.append(_int(row["comment-id"], "comment-id", path, line))
            vals.append(_int(row["vote"], "vote", path, line))
            times.append(float(row["timestamp"]) if has_time and row["timestamp"] else 0.0)
    return VoteTable.from_arrays(pids, tids, vals, times if has_time else None)


def _read_participants_votes(path: Path) -> tuple[VoteTable, dict[int, int]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise PolisExportError(f"{path}: empty file") from None
        if "participant" not in header or "n-disagree" not in header:
            raise PolisExportError(f"{path}: not a participants-votes.csv (no participant column)")
        first = header.index("n-disagree") + 1
        group_col = header.index("group-id") if "group-id" in header else -1
        tids = np.array([_int(t, "comment id", path, 1) for t in header[first:]], dtype=np.int64)
        pid_parts: list[NDArray[np.int64]] = []
        tid_parts: list[NDArray[np.int64]] = []
        val_parts: list[NDArray[np.int64]] = []
        groups: dict[int, int] = {}
        for line, row in enumerate(reader, start=2):
            if not row:
                continue
            pid = _int(row[0], "participant", path, line)
            if group_col >= 0 and row[group_col].strip() != "":
                groups[pid] = _int(row[group_col], "group-id", path, line)
            cells = row[first:]
            idx = [i for i, c in enumerate(cells) if c != ""]
            if not idx:
                continue
            try:
                values = np.array([int(cells[i]) for i in idx], dtype=np.int64)
            except ValueError:
                raise PolisExportError(f"{path}:{line}: vote is not -1, 0 or 1") from None
            pid_parts.append(np.full(len(idx), pid, dtype=np.int64))
            tid_parts.append(tids[np.array(idx, dtype=np.int64)])
            val_parts.append(values)
    if not pid_parts:
        return VoteTable.from_arrays([], [], [], None), groups
    table = VoteTable.from_arrays(
        np.concatenate(pid_parts), np.concatenate(tid_parts), np.concatenate(val_parts), None
    )
    return table, groups


def _read_comments(
    path: Path,
) -> tuple[NDArray[np.int64], tuple[int, ...], tuple[int, ...], dict[int, float]]:
    ids: list[int] = []
    mod_out: list[int] = []
    meta: list[int] = []
    gic: dict[int, float] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if "comment-id" not in (reader.fieldnames or ()):
            raise PolisExportError(f"{path}: missing column comment-id")
        for line, row in enumerate(reader, start=2):
            tid = _int(row["comment-id"], "comment-id", path, line)
            ids.append(tid)
            if (row.get("moderated") or "").strip() == "-1":
                mod_out.append(tid)
            if (row.get("is-meta") or "").strip().lower() == "true":
                meta.append(tid)
            value = (row.get("group-informed-consensus") or "").strip()
            if value:
                gic[tid] = float(value)
    return np.array(sorted(ids), dtype=np.int64), tuple(sorted(mod_out)), tuple(sorted(meta)), gic


def read_polis_export(folder: str | Path) -> PolisExport:
    """Read a Polis export folder; raise :class:`PolisExportError` with a clear message."""
    root = Path(folder)
    if not root.is_dir():
        raise PolisExportError(f"{root}: not a folder")
    comments = root / "comments.csv"
    if not comments.is_file():
        raise PolisExportError(f"{root}: no comments.csv")
    votes_csv = root / "votes.csv"
    pv_csv = root / "participants-votes.csv"
    groups: dict[int, int] = {}
    try:
        statement_ids, mod_out, meta, gic = _read_comments(comments)
        if votes_csv.is_file():
            votes = _read_votes_csv(votes_csv)
            source = "votes.csv"
            if pv_csv.is_file():
                _, groups = _read_participants_votes(pv_csv)
        elif pv_csv.is_file():
            votes, groups = _read_participants_votes(pv_csv)
            source = "participants-votes.csv"
        else:
            raise PolisExportError(f"{root}: no votes.csv or participants-votes.csv")
    except (UnicodeDecodeError, csv.Error) as exc:
        raise PolisExportError(f"{root}: unreadable CSV ({exc})") from None
    except (ValueError, OverflowError) as exc:  # OverflowError: a vote too large for its type
        if isinstance(exc, PolisExportError):
            raise
        raise PolisExportError(f"{root}: {exc}") from None
    return PolisExport(
        votes=votes,
        statement_ids=statement_ids,
        moderated_out=mod_out,
        meta=meta,
        export_groups=groups,
        export_group_consensus=gic,
        source=source,
    )
