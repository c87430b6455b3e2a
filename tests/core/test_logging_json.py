"""Every process writes JSON lines: gunicorn's error and access logs, and e-mails without SMTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.mail import send_mail


def _port() -> int:
    for port in range(8200, 8300):  # this helper's range
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8200-8299")


@pytest.mark.slow
def test_gunicorn_error_and_access_logs_are_json_lines(tmp_path: Path) -> None:
    port = _port()
    env = {**os.environ, "COCITY_VAR_DIR": str(tmp_path), "LOG_LEVEL": "INFO"}
    env.pop("DATABASE_URL", None)
    err = tmp_path / "gunicorn.err"
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "cocity.wsgi:application"),
            *("--config", "python:cocity.core.gunicorn_conf", "--workers", "1"),
            *("--bind", f"127.0.0.1:{port}", "--access-logfile", "-"),
        ],
        env=env,
        stdout=(tmp_path / "gunicorn.out").open("wb"),
        stderr=err.open("wb"),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz?probe=1") as res:
                    status = res.status
                break
            except urllib.error.HTTPError as exc:  # answered, e.g. 503 before migrations
                status = exc.code
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    lines = [line for line in err.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is a JSON object
    assert any(r["logger"] == "gunicorn.error" and "Listening at" in r["message"] for r in records)
    access = [r for r in records if r["logger"] == "gunicorn.access"]
    assert len(access) == 1
    assert access[0]["method"] == "GET"
    assert access[0]["path"] == "/readyz"
    assert access[0]["query"] == "probe=1"
    assert access[0]["status"] == status
    assert access[0]["ms"] >= 0
    assert not (tmp_path / "gunicorn.out").read_text().strip()


@pytest.mark.slow
def test_cocity_worker_writes_task_logs_and_emails_as_json_lines(tmp_path: Path) -> None:
    here = Path(__file__).resolve().parent
    env = {
        **os.environ,
        "COCITY_VAR_DIR": str(tmp_path),
        "LOG_LEVEL": "INFO",
        "PYTHONPATH": os.pathsep.join([str(here), os.environ.get("PYTHONPATH", "")]),
    }
    for name in ("DATABASE_URL", "EMAIL_URL", "COCITY_TASK_BACKEND"):
        env.pop(name, None)
    cocity = str(Path(sys.executable).with_name("cocity"))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [cocity, *args], env=env, capture_output=True, text=True, check=True, timeout=300
        )

    run("migrate", "-v0")
    run("shell", "-c", "import celery_probe_tasks as p; p.log_and_mail.enqueue('db-worker-42')")
    done = run("worker", "--batch", "--interval", "0.1")
    records = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    assert [r["message"] for r in records if r["logger"] == "cocity.probe"] == [
        "probe task ran db-worker-42"
    ]
    (mail,) = [r for r in records if r["logger"] == "cocity.mail"]
    assert "Subject: Probe db-worker-42" in mail["message"]
    assert any(r["logger"] == "django_tasks" and "SUCCESSFUL" in r["message"] for r in records)


def test_without_smtp_each_email_is_one_log_record(
    settings: object, caplog: pytest.LogCaptureFixture
) -> None:
    settings.EMAIL_BACKEND = "cocity.core.mail.LogEmailBackend"  # type: ignore[attr-defined]
    with caplog.at_level("INFO", logger="cocity.mail"):
        assert send_mail("Welcome", "Your link: https://x.example/a%20b", None, ["a@b.example"])
    (record,) = [r for r in caplog.records if r.name == "cocity.mail"]
    assert record.subject == "Welcome"  # type: ignore[attr-defined]
    assert record.to == ["a@b.example"]  # type: ignore[attr-defined]
    assert "https://x.example/a%20b" in record.getMessage()
    assert "Subject: Welcome" in record.getMessage()
