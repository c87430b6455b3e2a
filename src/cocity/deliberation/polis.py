"""The Polis openData CSV format: what ``read_polis_export`` (votes) does not read — statement
texts and the summary — and writing a conversation back as ``votes.csv`` and ``comments.csv``.

Votes use the export convention: 1 = agree, -1 = disagree, 0 = pass. In comments.csv,
``moderated`` is 1 (accepted), 0 (not yet moderated) or -1 (rejected).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from cocity.compute.opinion import PolisExportError

if TYPE_CHECKING:
    from cocity.deliberation.models import Conversation

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MODERATED = {"accepted": 1, "pending": 0, "rejected": -1}


@dataclass(frozen=True)
class Comment:
    number: int
    body: str
    author: int | None
    moderated: int
    is_meta: bool
    timestamp: float | None


def _int_or_none(value: str | None) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return int(float(value))
    except (ValueError, OverflowError):  # not a number, or infinite
        return None


def read_comments(folder: Path) -> list[Comment]:
    path = folder / "comments.csv"
    comments = []
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            for line, row in enumerate(csv.DictReader(fh), start=2):
                number = _int_or_none(row.get("comment-id"))
                if number is None:
                    raise PolisExportError(f"{path}:{line}: comment-id is not an integer")
                comments.append(
                    Comment(
                        number=number,
                        body=(row.get("comment-body") or "").strip(),
                        author=_int_or_none(row.get("author-id")),
                        moderated=_int_or_none(row.get("moderated")) or 0,
                        is_meta=(row.get("is-meta") or "").strip().lower() == "true",
                        timestamp=_int_or_none(row.get("timestamp")),
                    )
                )
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise PolisExportError(f"{path}: {exc}") from None
    return sorted(comments, key=lambda c: c.number)


def read_summary(folder: Path) -> dict[str, str]:
    """summary.csv holds ``key,value`` rows (topic, url, conversation-description …)."""
    path = folder / "summary.csv"
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as fh:
        return {row[0]: row[1] for row in csv.reader(fh) if len(row) >= 2}


def _ms(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%a %b %d %H:%M:%S UTC %Y")


def write_votes(conversation: Conversation, fh: TextIO) -> None:
    from cocity.deliberation import selectors

    writer = csv.writer(fh)
    writer.writerow(["timestamp", "datetime", "comment-id", "voter-id", "vote"])
    for voted_at, statement, voter, value in selectors.export_votes(conversation):
        writer.writerow([_ms(voted_at), _stamp(voted_at), statement, voter, value])


COMMENT_COLUMNS = [
    "timestamp",
    "datetime",
    "comment-id",
    "author-id",
    "agrees",
    "disagrees",
    "moderated",
    "comment-body",
    "is-meta",
]


def write_comments(conversation: Conversation, fh: TextIO) -> None:
    from cocity.deliberation import selectors

    writer = csv.writer(fh)
    writer.writerow(COMMENT_COLUMNS)
    for s in selectors.export_statements(conversation):  # annotated with counts
        row: Any = s
        writer.writerow(
            [
                _ms(row.created_at),
                _stamp(row.created_at),
                row.number,
                "" if row.author_number is None else row.author_number,
                row.n_agree,
                row.n_disagree,
                MODERATED[row.status],
                row.body,
                "true" if row.is_meta else "false",
            ]
        )


def write_export(conversation: Conversation, folder: Path) -> tuple[Path, Path]:
    """Write ``votes.csv`` and ``comments.csv`` of a conversation into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    votes_path, comments_path = folder / "votes.csv", folder / "comments.csv"
    with votes_path.open("w", newline="", encoding="utf-8") as fh:
        write_votes(conversation, fh)
    with comments_path.open("w", newline="", encoding="utf-8") as fh:
        write_comments(conversation, fh)
    return votes_path, comments_path
