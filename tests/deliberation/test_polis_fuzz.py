"""The Polis openData importer under fuzzing: damaged or hostile CSV files either import or are
refused with a clear ``DomainError``, and a refused import leaves no rows behind."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cocity.core.errors import DomainError
from cocity.deliberation import services
from cocity.deliberation.models import Conversation, Statement, Vote

pytestmark = pytest.mark.django_db

CELL = st.one_of(
    st.sampled_from(
        ["", "0", "1", "-1", "2", "inf", "-inf", "nan", "1e309", "1.5", "99999999999999999999"]
    ),
    st.sampled_from(['"', '""', ",", "\n", "\x00", "\x0b", "\ud800", "\ufeff", "true", "x"]),
    st.integers(-(10**20), 10**20).map(str),
    st.text(max_size=10),
)
COMMENTS = "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body"
VOTES = "timestamp,datetime,comment-id,voter-id,vote"


def _csv(header: str, rows: list[list[str]]) -> str:
    width = len(header.split(","))
    lines = [header, *(",".join((row + ["1"] * width)[:width]) for row in rows)]
    return "\n".join(lines) + "\n"


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    comments=st.lists(st.lists(CELL, max_size=9), max_size=4),
    votes=st.lists(st.lists(CELL, max_size=6), max_size=5),
    raw=st.booleans(),
)
def test_a_damaged_export_imports_or_is_refused_leaving_nothing(
    db: None, comments: list[list[str]], votes: list[list[str]], raw: bool
) -> None:
    before = Conversation.objects.count()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "export"
        folder.mkdir()
        comments_text = _csv(COMMENTS, comments)
        votes_text = _csv(VOTES, votes)
        for name, text in (("comments.csv", comments_text), ("votes.csv", votes_text)):
            # lone surrogates become invalid UTF-8 bytes when asked, else are left out
            data = text.encode("utf-8", "surrogatepass" if raw else "ignore")
            (folder / name).write_bytes(data)
        try:
            conversation = services.conversation_import_polis(folder=folder, analyse=False)
        except DomainError as exc:
            message = exc.message
            assert message
            assert Conversation.objects.count() == before
            return
    # what was imported is what the files hold (a cell with a comma or newline makes more rows)
    rows = list(csv.DictReader(io.StringIO(comments_text)))
    assert Statement.objects.filter(conversation=conversation).count() == len(rows)
    assert Vote.objects.filter(conversation=conversation).count() <= len(votes_text.splitlines())
