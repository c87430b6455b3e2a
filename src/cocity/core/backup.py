"""Backing up and restoring the whole database, on SQLite and PostgreSQL.

SQLite uses its online backup API: a consistent copy taken page by page while the server keeps
serving, and a restore that writes through SQLite itself (so the WAL and any open readers stay
coherent). PostgreSQL uses ``pg_dump``'s custom format and ``pg_restore`` in one transaction, so a
restore that fails leaves the database as it was. Uploaded media are plain files under
``MEDIA_ROOT``; they are copied beside the database by the operator (docs/operations.md).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from cocity.core.errors import DomainError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


def _connection(using: str) -> Any:
    return connections[using]


def _kind(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    return "unknown"


def _pg_env(settings: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for the PostgreSQL client tools, and an environment carrying the
    password (never on the command line, where other users could read it)."""
    args = []
    if settings.get("HOST"):
        args += ["--host", str(settings["HOST"])]
    if settings.get("PORT"):
        args += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        args += ["--username", str(settings["USER"])]
    env = {**os.environ}
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    return args, env


def _run(argv: list[str], env: dict[str, str]) -> None:
    try:
        # pg_dump/pg_restore with arguments built from the settings, never from a request
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError as exc:
        raise DomainError(
            f"{argv[0]} is not installed; install PostgreSQL's client tools.", code="tool_missing"
        ) from exc
    if done.returncode != 0:
        raise DomainError(
            f"{argv[0]} failed: {done.stderr.strip() or done.returncode}", code="backup_failed"
        )


def backup(path: Path, *, using: str = DEFAULT_DB_ALIAS) -> str:
    """Write a consistent copy of the database to ``path`` (replacing nothing that exists);
    returns the database vendor."""
    path = Path(path)
    if path.exists():
        raise DomainError(f"{path} already exists; choose a new file.", code="file_exists")
    connection = _connection(using)
    vendor = connection.vendor
    if vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    elif vendor == "postgresql":
        settings = connection.settings_dict
        args, env = _pg_env(settings)
        _run(
            [
                "pg_dump",
                *args,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(path),
                str(settings["NAME"]),
            ],
            env,
        )
    else:  # pragma: no cover - cocity runs on SQLite and PostgreSQL
        raise DomainError(f"Backups of {vendor} are not supported.", code="unsupported")
    return vendor


def restore(path: Path, *, using: str = DEFAULT_DB_ALIAS) -> str:
    """Replace the database's contents with the backup at ``path``, all or nothing; returns the
    database vendor. The backup must come from the same kind of database."""
    path = Path(path)
    if not path.is_file():
        raise DomainError(f"{path} is not a file.", code="not_found")
    connection = _connection(using)
    vendor = connection.vendor
    kind = _kind(path)
    if kind != vendor:
        raise DomainError(
            f"{path} is not a cocity backup of a {vendor} database (found: {kind}).",
            code="wrong_backup",
        )
    if vendor == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            try:
                intact = source.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            except sqlite3.DatabaseError:
                intact = False
            if not intact:
                raise DomainError(f"{path} is a damaged SQLite file.", code="damaged_backup")
            connection.ensure_connection()
            # the backup API replaces every page of the live database under SQLite's own lock
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        settings = connection.settings_dict
        args, env = _pg_env(settings)
        connection.close()  # our own session must not hold locks on the tables being replaced
        _run(
            [
                "pg_restore",
                *args,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                str(settings["NAME"]),
                str(path),
            ],
            env,
        )
    return vendor
