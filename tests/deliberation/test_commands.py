from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from cocity.compute.opinion import VoteMatrix, read_polis_export
from cocity.core.seeding import SeedContext
from cocity.deliberation import seeders, services
from cocity.deliberation.models import AnalysisResult, Conversation, Statement

pytestmark = pytest.mark.django_db

POLIS = seeders.POLIS_DATA


def write_export(folder: Path) -> Path:
    """A small Polis export: 3 comments (one moderated out), a re-vote, a summary."""
    folder.mkdir()
    (folder / "comments.csv").write_text(
        "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
        "1000,x,0,0,1,0,1,First statement\n"
        "2000,x,1,1,0,1,-1,Off topic\n"
        '3000,x,2,0,0,0,0,"Third, with a comma"\n',
        encoding="utf-8",
    )
    (folder / "votes.csv").write_text(
        "timestamp,datetime,comment-id,voter-id,vote\n"
        "1500,x,0,0,1\n"
        "1600,x,0,1,-1\n"
        "1700,x,0,1,1\n"
        "1800,x,2,2,0\n",
        encoding="utf-8",
    )
    (folder / "summary.csv").write_text("topic,A small test\nurl,https://pol.is/x\n")
    return folder


def test_import_and_export_round_trip(tmp_path: Path) -> None:
    source = write_export(tmp_path / "small")
    out = io.StringIO()
    call_command("conversation", "import", str(source), stdout=out)
    assert "3 statements, 3 participants, 3 votes" in out.getvalue()
    conversation = Conversation.objects.get()
    assert conversation.topic == "A small test"
    assert conversation.source == "polis:small https://pol.is/x"
    statuses = dict(conversation.statements.values_list("number", "status"))
    assert statuses == {0: "accepted", 1: "rejected", 2: "pending"}
    assert conversation.votes.get(participant__number=1).value == 1  # the later re-vote
    call_command("conversation", "export", str(conversation.pk), str(tmp_path / "out"), stdout=out)
    again = read_polis_export(tmp_path / "out")
    original = read_polis_export(source)
    a, b = VoteMatrix.from_votes(original.votes), VoteMatrix.from_votes(again.votes)
    assert np.array_equal(a.participant_ids, b.participant_ids)
    assert np.array_equal(a.values, b.values)
    assert np.array_equal(a.cols, b.cols)
    assert again.moderated_out == (1,)
    text = (tmp_path / "out" / "comments.csv").read_text(encoding="utf-8")
    assert '"Third, with a comma"' in text
    assert (tmp_path / "out" / "votes.csv").read_text().splitlines()[1].startswith("1500,")


def test_import_errors_change_nothing(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"no comments\.csv"):
        call_command("conversation", "import", str(tmp_path))
    with pytest.raises(CommandError, match="no conversation"):
        call_command("conversation", "export", "99", str(tmp_path / "x"))
    assert not Conversation.objects.exists()


@pytest.mark.skipif(not (POLIS / "vtaiwan.uberx").is_dir(), reason="shared Polis data absent")
def test_vtaiwan_round_trip(tmp_path: Path) -> None:
    conversation = services.conversation_import_polis(folder=POLIS / "vtaiwan.uberx")
    analysis = AnalysisResult.objects.get(conversation=conversation)
    assert analysis.k >= 2
    assert analysis.n_participants > 1000
    call_command(
        "conversation", "export", str(conversation.pk), str(tmp_path), stdout=io.StringIO()
    )
    a = VoteMatrix.from_votes(read_polis_export(POLIS / "vtaiwan.uberx").votes)
    b = VoteMatrix.from_votes(read_polis_export(tmp_path).votes)
    assert np.array_equal(a.participant_ids, b.participant_ids)
    assert np.array_equal(a.statement_ids, b.statement_ids)
    assert np.array_equal(a.rows, b.rows)
    assert np.array_equal(a.values, b.values)


def test_seeder_builds_the_demo_conversations(city: dict[str, Any]) -> None:
    logs: list[str] = []
    seeders.seed_deliberation(SeedContext(log=logs.append))
    local = Conversation.objects.get(topic=seeders.LOCAL_TOPIC)
    assert local.allow_anonymous
    assert local.is_open()
    assert local.statements.filter(status=Statement.Status.PENDING).count() == 1
    assert AnalysisResult.objects.get(conversation=local).k >= 2
    if (POLIS / "vtaiwan.uberx").is_dir():
        vtaiwan = Conversation.objects.exclude(pk=local.pk).get()
        assert "CC BY 4.0" in vtaiwan.attribution
        assert "2015-vtaiwan-uberx" in vtaiwan.attribution
        assert not vtaiwan.is_open()


def test_attribution_without_sources_file(tmp_path: Path) -> None:
    text = seeders.polis_attribution(tmp_path / "missing.md", "https://example.org/case")
    assert "Computational Democracy Project" in text
    assert text.endswith("https://example.org/case")
