"""`cocity backup` and `cocity restore`: a round trip gives back exactly what was saved, with
an intact audit chain, on SQLite and (in the PostgreSQL pass) PostgreSQL; a bad file changes
nothing."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from cocity.core import services
from cocity.core.models import AuditEntry, Department, User


def _state() -> tuple[list[str], list[str], list[tuple[int, str]]]:
    return (
        sorted(Department.objects.values_list("code", flat=True)),
        sorted(User.objects.values_list("email", flat=True)),
        list(AuditEntry.objects.order_by("id").values_list("id", "hash")),
    )


@pytest.fixture
def saved(transactional_db: None, city: dict[str, Any], tmp_path: Path) -> Path:
    path = tmp_path / "city.backup"
    out = io.StringIO()
    call_command("backup", str(path), stdout=out)
    assert "Backed up" in out.getvalue()
    assert path.stat().st_size > 0
    return path


def test_restore_brings_back_the_saved_city_with_an_intact_audit_chain(saved: Path) -> None:
    before = _state()
    # life goes on after the backup: a new department and a new resident, both audited
    services.department_create(code="water", name="Water")
    services.user_create(email="late@example.org", password="pw-12345-long")
    assert _state() != before
    out = io.StringIO()
    call_command("restore", str(saved), "--yes", stdout=out)
    assert _state() == before
    assert "Audit log intact" in out.getvalue()
    assert services.audit_verify() is None
    # the restored database takes new writes and keeps chaining them
    services.department_create(code="water", name="Water")
    assert services.audit_verify() is None


def test_backup_never_overwrites_a_file(saved: Path) -> None:
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(saved), stdout=io.StringIO())


@pytest.mark.parametrize(
    "content",
    [b"not a backup at all", b"SQLite format 3\x00" + b"\x00" * 40, b"PGDMP" + b"\x00" * 40],
)
def test_a_bad_or_foreign_file_changes_nothing(saved: Path, tmp_path: Path, content: bytes) -> None:
    before = _state()
    bad = tmp_path / "bad.backup"
    bad.write_bytes(content)
    with pytest.raises(CommandError):
        call_command("restore", str(bad), "--yes", stdout=io.StringIO())
    assert _state() == before
    assert services.audit_verify() is None


def test_restore_asks_before_replacing_the_database(
    saved: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.department_create(code="water", name="Water")
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Nothing restored"):
        call_command("restore", str(saved), stdout=io.StringIO())
    assert Department.objects.filter(code="water").exists()
