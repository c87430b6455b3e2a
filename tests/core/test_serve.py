"""`cocity serve` and `cocity demo` start a real gunicorn that answers over HTTP."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, timeout: float = 30) -> bytes:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as res:
                return bytes(res.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.mark.slow
def test_demo_command_serves_the_seeded_city_with_gunicorn(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "COCITY_VAR_DIR": str(tmp_path), "COCITY_ENV": "demo"}
    env.pop("DATABASE_URL", None)
    cocity = str(Path(sys.executable).with_name("cocity"))
    proc = subprocess.Popen(
        [cocity, "demo", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        home = _wait(f"http://127.0.0.1:{port}/", timeout=90).decode()
        assert "Villaverde del Río" in home
        assert "resident@demo.cocity.city" in home  # demo mode shows the demo login
        assert b'"status": "ok"' in _wait(f"http://127.0.0.1:{port}/healthz")
        css = _wait(f"http://127.0.0.1:{port}/static/cocity/cocity.css")
        assert b"skip-link" in css
        assert (tmp_path / "cocity.sqlite3").exists()
    finally:
        proc.terminate()
        out = proc.communicate(timeout=20)[0].decode()
    assert "Demo accounts" in out


def test_serve_builds_the_gunicorn_command(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_execv(path: str, argv: list[str]) -> None:
        seen["argv"] = argv

    monkeypatch.setattr(os, "execv", fake_execv)
    call_command("serve", host="0.0.0.0", port=9999, workers=3, stdout=io.StringIO())
    argv = seen["argv"]
    assert argv[1:4] == ["-m", "gunicorn", "cocity.wsgi:application"]
    assert argv[argv.index("--bind") + 1] == "0.0.0.0:9999"
    assert argv[argv.index("--workers") + 1] == "3"
