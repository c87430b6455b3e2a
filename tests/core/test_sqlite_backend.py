"""cocity's SQLite backend: transactions queue on the ``<database>-writer`` file lock."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError
from django.db.utils import ConnectionHandler


@pytest.fixture(autouse=True)
def _own_connections(django_db_blocker: Any) -> Iterator[None]:
    """These tests open their own database files, not the test database."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def handler(tmp_path: Path) -> Iterator[ConnectionHandler]:
    """Two connections to one database file, as two workers would hold."""
    settings = {
        "ENGINE": "cocity.core.sqlite",
        "NAME": str(tmp_path / "queue.sqlite3"),
        "OPTIONS": {"timeout": 0.3, "transaction_mode": "IMMEDIATE"},
    }
    handler = ConnectionHandler({"default": settings, "b": dict(settings)})
    with handler["default"].cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("CREATE TABLE t (v integer)")
    yield handler
    handler.close_all()


def _begin(conn: Any) -> None:
    conn.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)


def _end(conn: Any, *, commit: bool) -> None:
    conn.commit() if commit else conn.rollback()
    conn.set_autocommit(True)


def _lock_is_free(path: str) -> bool:
    fd = os.open(path + "-writer", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


def test_a_transaction_holds_the_writer_lock_until_it_commits_or_rolls_back(
    handler: ConnectionHandler,
) -> None:
    a = handler["default"]
    name = a.settings_dict["NAME"]
    assert _lock_is_free(name)
    for commit in (True, False):
        _begin(a)
        with a.cursor() as cursor:
            cursor.execute("INSERT INTO t VALUES (1)")
        assert not _lock_is_free(name)
        _end(a, commit=commit)
        assert _lock_is_free(name)
    with a.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM t")
        assert cursor.fetchone() == (1,)


def test_a_second_writer_waits_then_fails_as_sqlite_would_and_writes_nothing(
    handler: ConnectionHandler,
) -> None:
    a, b = handler["default"], handler["b"]
    _begin(a)
    with pytest.raises(OperationalError, match="database is locked"):
        _begin(b)
    assert not b._writer_held
    _end(a, commit=True)
    # once the first commits, the second gets its turn
    _begin(b)
    with b.cursor() as cursor:
        cursor.execute("INSERT INTO t VALUES (2)")
    _end(b, commit=True)
    with a.cursor() as cursor:
        cursor.execute("SELECT v FROM t")
        assert cursor.fetchall() == [(2,)]


def test_closing_a_connection_releases_the_lock(handler: ConnectionHandler) -> None:
    a = handler["default"]
    _begin(a)
    a.close()
    assert _lock_is_free(a.settings_dict["NAME"])


def test_a_forked_child_uses_its_own_lock_file_descriptor(handler: ConnectionHandler) -> None:
    a = handler["default"]
    _begin(a)
    _end(a, commit=True)  # the parent has opened its descriptor
    parent_fd = a._writer_fd
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        ok = b"0"
        try:
            a.connection = None  # the child must not use the parent's SQLite handle
            _begin(a)
            ok = b"1" if a._writer_fd != parent_fd and a._writer_held else b"0"
            _end(a, commit=False)
        finally:
            os.write(write, ok)
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1"
    os.close(read)
    assert a._writer_fd == parent_fd


def test_in_memory_databases_take_no_file_lock() -> None:
    handler = ConnectionHandler({"default": {"ENGINE": "cocity.core.sqlite", "NAME": ":memory:"}})
    m = handler["default"]
    _begin(m)
    assert not m._writer_held
    _end(m, commit=True)
    assert m._writer_fd is None
    handler.close_all()
