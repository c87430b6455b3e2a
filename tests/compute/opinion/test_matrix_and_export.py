"""Vote matrix construction and Polis export reading."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cocity.compute.opinion import PolisExportError, VoteMatrix, VoteTable, read_polis_export


def test_latest_vote_wins_and_unseen_is_missing() -> None:
    votes = VoteTable.from_records(
        [
            (10, 1, 1, 100.0),
            (10, 1, -1, 300.0),  # re-vote, later: wins
            (10, 2, 0, 200.0),
            (11, 2, 1, 50.0),
            (11, 2, -1, 40.0),  # earlier re-vote listed after: loses
        ]
    )
    m = VoteMatrix.from_votes(votes)
    assert m.participant_ids.tolist() == [10, 11]
    assert m.statement_ids.tolist() == [1, 2]
    dense = m.to_dense()
    assert dense[0].tolist() == [-1.0, 0.0]
    assert np.isnan(dense[1, 0])
    assert dense[1, 1] == 1.0
    assert m.votes_per_participant().tolist() == [2, 1]
    assert m.n_votes == 3


def test_same_time_revote_keeps_first_listed_like_reddwarf() -> None:
    m = VoteMatrix.from_votes(VoteTable.from_records([(1, 1, 1, 5.0), (1, 1, -1, 5.0)]))
    assert m.values.tolist() == [1]


def test_without_times_the_last_record_wins() -> None:
    m = VoteMatrix.from_votes(VoteTable.from_records([(1, 1, 1), (1, 1, -1), (2, 1, 0)]))
    assert m.to_dense()[:, 0].tolist() == [-1.0, 0.0]


def test_invalid_votes_are_rejected() -> None:
    with pytest.raises(ValueError, match="votes must be"):
        VoteTable.from_arrays([1], [1], [2])
    with pytest.raises(ValueError, match="same length"):
        VoteTable.from_arrays([1, 2], [1], [1])
    with pytest.raises(ValueError, match="time"):
        VoteTable.from_arrays([1], [1], [1], [1.0, 2.0])


def test_empty_and_row_selection() -> None:
    assert VoteMatrix.from_votes(VoteTable.from_records([])).shape == (0, 0)
    m = VoteMatrix.from_votes(VoteTable.from_records([(1, 1, 1), (2, 2, -1), (3, 1, 0)]))
    sub = m.select_rows(np.array([True, False, True]))
    assert sub.participant_ids.tolist() == [1, 3]
    assert sub.to_dense()[:, 0].tolist() == [1.0, 0.0]
    csr = m.to_csr(m.values.astype(float))
    assert csr.shape == (3, 2)
    assert csr.nnz == 3


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def test_read_votes_csv_export(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "comments.csv",
        "timestamp,comment-id,author-id,agrees,disagrees,moderated,is-meta,comment-body\n"
        '1,0,0,1,0,1,false,"first, with comma"\n1,1,0,0,1,-1,false,second\n'
        "1,2,0,0,0,0,true,meta\n",
    )
    _write(
        tmp_path,
        "votes.csv",
        "timestamp,datetime,comment-id,voter-id,vote\n"
        "1,x,0,5,1\n2,x,1,5,-1\n3,x,0,5,-1\n1,x,2,6,0\n",
    )
    export = read_polis_export(tmp_path)
    assert export.source == "votes.csv"
    assert export.moderated_out == (1,)
    assert export.meta == (2,)
    assert export.statement_ids.tolist() == [0, 1, 2]
    m = VoteMatrix.from_votes(export.votes)
    assert m.to_dense()[0].tolist()[:2] == [-1.0, -1.0]


def test_read_participants_votes_export(tmp_path: Path) -> None:
    _write(tmp_path, "comments.csv", "comment-id,moderated,comment-body\n0,1,a\n1,1,b\n")
    _write(
        tmp_path,
        "participants-votes.csv",
        "participant,xid,group-id,n-comments,n-votes,n-agree,n-disagree,0,1\n"
        "0,,1,0,2,1,1,1,-1\n1,,,0,1,0,0,,0\n2,,,0,0,0,0,,\n",
    )
    export = read_polis_export(tmp_path)
    assert export.source == "participants-votes.csv"
    assert export.export_groups == {0: 1}
    assert export.votes.time is None
    m = VoteMatrix.from_votes(export.votes)
    assert m.participant_ids.tolist() == [0, 1]  # participant 2 never voted
    assert m.to_dense()[1, 1] == 0.0


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "no comments.csv"),
        ({"comments.csv": "comment-id,moderated\n0,1\n"}, "no votes.csv or participants-votes"),
        ({"comments.csv": "id\n0\n", "votes.csv": "x\n"}, "missing column comment-id"),
        (
            {"comments.csv": "comment-id\n0\n", "votes.csv": "voter-id,comment-id\n1,0\n"},
            "missing column",
        ),
        (
            {
                "comments.csv": "comment-id\n0\n",
                "votes.csv": "timestamp,voter-id,comment-id,vote\n1,a,0,1\n",
            },
            "voter-id 'a' is not an integer",
        ),
        (
            {"comments.csv": "comment-id\n0\n", "votes.csv": "voter-id,comment-id,vote\n1,0,7\n"},
            "votes must be",
        ),
        ({"comments.csv": "comment-id\n0\n", "participants-votes.csv": ""}, "empty file"),
        (
            {"comments.csv": "comment-id\n0\n", "participants-votes.csv": "a,b\n1,2\n"},
            "not a participants-votes.csv",
        ),
        (
            {
                "comments.csv": "comment-id\n0\n",
                "participants-votes.csv": "participant,n-disagree,0\n1,0,yes\n",
            },
            "vote is not",
        ),
        ({"comments.csv": b"\xff\xfe\x00bad"}, "unreadable CSV"),
    ],
)
def test_bad_folders_raise_clear_errors(
    tmp_path: Path, files: dict[str, str | bytes], message: str
) -> None:
    for name, content in files.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    if "comments.csv" in files and len(files) == 1 and isinstance(files["comments.csv"], bytes):
        _write(tmp_path, "votes.csv", "voter-id,comment-id,vote\n")
    with pytest.raises(PolisExportError, match=message):
        read_polis_export(tmp_path)


def test_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(PolisExportError, match="not a folder"):
        read_polis_export(tmp_path / "missing")


def test_float_formatted_ids_are_accepted(tmp_path: Path) -> None:
    _write(tmp_path, "comments.csv", "comment-id,moderated\n0,1\n")
    _write(tmp_path, "votes.csv", "voter-id,comment-id,vote\n3.0,0,1\n")
    export = read_polis_export(tmp_path)
    assert export.votes.participant.tolist() == [3]
    assert export.votes.time is None


def test_large_or_negative_ids_use_the_sorting_path() -> None:
    m = VoteMatrix.from_votes(
        VoteTable.from_records([(10**12, 5, 1), (-3, 5, -1), (10**12, -7, 0), (-3, 5, 1)])
    )
    assert m.participant_ids.tolist() == [-3, 10**12]
    assert m.statement_ids.tolist() == [-7, 5]
    dense = m.to_dense()
    assert dense[0, 1] == 1.0  # the later re-vote
    assert dense[1].tolist() == [0.0, 1.0]
