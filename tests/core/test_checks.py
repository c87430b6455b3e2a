"""The start-up check of the database settings the audit log's append relies on."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from cocity.core.checks import audit_append_settings

pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")

POSTGRES = {"ENGINE": "django.db.backends.postgresql", "NAME": "cocity", "HOST": "127.0.0.1"}


def databases(**options: Any) -> dict[str, Any]:
    return {"default": {**POSTGRES, "OPTIONS": options}}


def ids(**options: Any) -> list[str]:
    with override_settings(DATABASES=databases(**options)):
        return [message.id for message in audit_append_settings()]


def test_default_postgresql_settings_pass() -> None:
    assert ids() == []
    assert ids(isolation_level=1) == []  # READ COMMITTED said explicitly


def test_server_side_binding_is_refused() -> None:
    assert ids(server_side_binding=True) == ["cocity.E001"]


@pytest.mark.parametrize("level", [2, 3])  # REPEATABLE READ, SERIALIZABLE
def test_isolation_levels_above_read_committed_are_refused(level: int) -> None:
    assert ids(isolation_level=level) == ["cocity.E002"]


def test_the_error_stops_manage_commands_with_a_clear_message() -> None:
    with (
        override_settings(DATABASES=databases(server_side_binding=True, isolation_level=3)),
        pytest.raises(SystemCheckError) as failure,
    ):
        call_command("check")
    text = str(failure.value)
    assert "server_side_binding" in text
    assert "READ COMMITTED" in text


def test_sqlite_settings_pass() -> None:
    with override_settings(
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
    ):
        assert audit_append_settings() == []
