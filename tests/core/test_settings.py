"""Deployment defaults that a misconfiguration must not silently weaken."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = "import django; django.setup(); from django.conf import settings; print(settings.{name})"


def _settings(tmp_path: Path, name: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        **os.environ,
        "COCITY_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "cocity.settings",
        "ALLOWED_HOSTS": "cocity.example",
        **env,
    }
    environ.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-c", PROBE.format(name=name)],
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )


STRONG = "k3" * 30


@pytest.mark.parametrize(
    "key", ["", "short-key", "a" * 60, "ababab" * 10, "django-insecure-" + STRONG]
)
def test_production_refuses_a_weak_secret_key(tmp_path: Path, key: str) -> None:
    done = _settings(tmp_path, "SECRET_KEY", COCITY_ENV="production", SECRET_KEY=key)
    assert done.returncode != 0
    assert "at least 50 characters" in done.stderr


def test_production_starts_with_a_strong_secret_key(tmp_path: Path) -> None:
    key = "Zq8-" + STRONG
    done = _settings(tmp_path, "SECRET_KEY", COCITY_ENV="production", SECRET_KEY=key)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == key


def test_no_proxy_header_is_trusted_unless_configured(tmp_path: Path) -> None:
    done = _settings(tmp_path, "SECURE_PROXY_SSL_HEADER")
    assert done.stdout.strip() == "None"
    done = _settings(
        tmp_path, "SECURE_PROXY_SSL_HEADER", COCITY_PROXY_SSL_HEADER="X-Forwarded-Proto"
    )
    assert done.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')"


SYNC_PROBE = (
    "import django; django.setup(); from django.db import connection; "
    "c = connection.cursor(); c.execute('PRAGMA synchronous'); print(c.fetchone()[0]); "
    "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
)


def test_sqlite_connections_sync_every_commit_to_disk(tmp_path: Path) -> None:
    """An acknowledged report survives power loss: each new connection runs synchronous=FULL
    (2), not NORMAL (1), which in WAL mode may lose the last commits when the power goes."""
    environ = {
        **os.environ,
        "COCITY_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "cocity.settings",
    }
    environ.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", SYNC_PROBE], env=environ, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2", "wal"]
