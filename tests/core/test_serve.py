"""`cocity serve` and `cocity demo` start a real gunicorn that answers over HTTP."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from cocity.core.management.commands.serve import (
    bridge_command,
    gunicorn_command,
    supervise,
    worker_command,
)

COCITY = str(Path(sys.executable).with_name("cocity"))


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
    proc = subprocess.Popen(
        [COCITY, "demo", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        # migrate + seed + start: a deadline for a hang, not a speed check (on a loaded
        # 2-core machine running the suite on two xdist workers 90 s was not enough)
        home = _wait(f"http://127.0.0.1:{port}/", timeout=300).decode()
        assert "Villaverde del Río" in home
        assert "resident@demo.cocity.city" in home  # demo mode shows the demo login
        assert b'"status": "ok"' in _wait(f"http://127.0.0.1:{port}/healthz")
        css = _wait(f"http://127.0.0.1:{port}/static/cocity/cocity.css")
        assert b"skip-link" in css
        assert (tmp_path / "cocity.sqlite3").exists()
        # the demo runs the scheduler too: its periodic jobs get done
        _until(
            lambda: any(success for success, _ in _job_runs(tmp_path / "cocity.sqlite3").values()),
            240,
            "a periodic job done in the demo",
        )
    finally:
        proc.terminate()
        out = proc.communicate(timeout=20)[0].decode()
    assert "Demo accounts" in out


def test_serve_builds_the_gunicorn_command() -> None:
    everywhere = "0.0.0.0"  # noqa: S104 — only put in the command line; nothing binds here
    argv = gunicorn_command(host=everywhere, port=9999, workers=3, threads=1)
    assert argv[1:4] == ["-m", "gunicorn", "cocity.wsgi:application"]
    assert argv[argv.index("--bind") + 1] == "0.0.0.0:9999"
    assert argv[argv.index("--workers") + 1] == "3"
    assert argv[argv.index("--config") + 1] == "python:cocity.core.gunicorn_conf"  # JSON logs


@pytest.mark.parametrize(
    ("backend", "expected"),
    [
        ("django_tasks_db.DatabaseBackend", ["-m", "cocity.cli", "worker"]),
        (
            "cocity.core.task_backends.CeleryBackend",
            ["-m", "celery", "-A", "cocity.celery_app", "--quiet", "worker", "-Q", "default"],
        ),
        ("django_tasks.backends.immediate.ImmediateBackend", None),
    ],
)
def test_serve_picks_the_task_worker_of_the_backend(
    settings: Any, backend: str, expected: list[str] | None
) -> None:
    settings.TASKS = {"default": {"BACKEND": backend, "QUEUES": ["default"]}}
    argv = worker_command()
    assert (argv[1:] if argv else None) == expected


def test_serve_runs_the_mqtt_bridge_when_a_broker_is_set(settings: Any) -> None:
    settings.MQTT_URL = ""
    assert bridge_command() is None
    settings.MQTT_URL = "mqtt://127.0.0.1:1883"
    assert bridge_command() == [sys.executable, "-m", "cocity.cli", "mqtt-bridge"]


SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def test_supervise_stops_the_others_when_one_child_exits(tmp_path: Path) -> None:
    said: list[str] = []
    pid_file = tmp_path / "pid"
    sleeper = (
        "import os, sys, time; p = sys.argv[1]; open(p + '.tmp', 'w').write(str(os.getpid())); "
        "os.rename(p + '.tmp', p); time.sleep(60)"
    )
    quitter = (
        "import os, sys, time\nwhile not os.path.exists(sys.argv[1]): time.sleep(0.05)\nsys.exit(3)"
    )
    status = supervise(
        {
            "sleeper": [sys.executable, "-c", sleeper, str(pid_file)],
            "quitter": [sys.executable, "-c", quitter, str(pid_file)],
        },
        log=said.append,
    )
    assert status == 3
    assert said == ["quitter exited with status 3: stopping the others"]
    assert not _alive(int(pid_file.read_text()))  # stopped, not left running


def test_supervise_passes_sigterm_on_and_exits_cleanly() -> None:
    said: list[str] = []
    before = signal.getsignal(signal.SIGTERM)
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        status = supervise({"one": SLEEPER, "two": SLEEPER}, log=said.append)
    finally:
        timer.cancel()
    assert status == 0
    assert said == ["signal SIGTERM: stopping"]
    assert signal.getsignal(signal.SIGTERM) == before  # serve's handler is gone again


# --- the real process tree --------------------------------------------------------------------


def _children(pid: int) -> dict[str, int]:
    """The direct children of `pid`, by role ("web" for gunicorn, "scheduler", "worker")."""
    found: dict[str, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            role = "scheduler" if "schedule loop" in cmdline else "worker"
            found["web" if "gunicorn" in cmdline else role] = int(entry.name)
    return found


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.2)


def _task_status(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [
            row[0] for row in conn.execute("SELECT status FROM django_tasks_database_dbtaskresult")
        ]


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database with every migration applied, to copy for each served instance."""
    var = tmp_path_factory.mktemp("serve-migrated")
    subprocess.run([COCITY, "migrate", "-v", "0"], env=_env(var), check=True, timeout=300)
    return var / "cocity.sqlite3"


def _env(var: Path, *, scheduler: bool = False) -> dict[str, str]:
    """The environment of a served instance; the scheduler only where a test looks at it (its
    jobs would add tasks to the queue the other tests count)."""
    env = {
        **os.environ,
        "COCITY_VAR_DIR": str(var),
        "COCITY_ENV": "development",
        "COCITY_SCHEDULER": "on" if scheduler else "off",
        "COCITY_SCHEDULER_TICK": "1",
    }
    for name in ("DATABASE_URL", "COCITY_TASK_BACKEND"):
        env.pop(name, None)
    return env


def _serve(
    migrated: Path, var: Path, *extra: str, scheduler: bool = False
) -> tuple[subprocess.Popen[bytes], int]:
    """A fresh copy of the database with one task queued, served by `cocity serve`."""
    shutil.copy(migrated, var / "cocity.sqlite3")
    enqueue = "from cocity.core.tasks import ping; ping.enqueue()"
    subprocess.run([COCITY, "shell", "-c", enqueue], env=_env(var), check=True, timeout=120)
    assert _task_status(var / "cocity.sqlite3") == ["READY"]
    port = _free_port()
    proc = subprocess.Popen(
        [COCITY, "serve", "--port", str(port), "--workers", "1", *extra],
        env=_env(var, scheduler=scheduler),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    return proc, port


def _cleanup(proc: subprocess.Popen[bytes], children: dict[str, int]) -> str:
    """Stop `serve` and its children if a test failed half-way; return what `serve` printed."""
    if proc.poll() is None:
        proc.kill()
    out = proc.communicate(timeout=60)[0].decode()
    for pid in children.values():
        if _alive(pid):  # pragma: no cover - only after a failure
            os.killpg(pid, signal.SIGKILL)
    return out


@pytest.mark.slow
def test_serve_runs_the_web_and_a_task_worker_that_stop_together(
    migrated: Path, tmp_path: Path
) -> None:
    proc, port = _serve(migrated, tmp_path)
    children: dict[str, int] = {}
    try:
        health = json.loads(_wait(f"http://127.0.0.1:{port}/healthz", timeout=90))
        assert health["status"] == "ok"
        children.update(_children(proc.pid))
        assert set(children) == {"web", "worker"}  # COCITY_SCHEDULER=off: no scheduler
        # the queued task gets done by the worker `serve` started
        _until(lambda: _task_status(tmp_path / "cocity.sqlite3") == ["SUCCESSFUL"], 60, "task done")
        health = json.loads(_wait(f"http://127.0.0.1:{port}/healthz"))
        assert health["checks"]["tasks"]["waiting"] == 0
        assert "scheduler" not in health["checks"]

        # SIGTERM to serve: both children stop, serve exits cleanly
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        assert not any(_alive(pid) for pid in children.values())
    finally:
        out = _cleanup(proc, children)
    assert "web workers; a task worker" in out
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert {"logger": "cocity.serve", "message": "signal SIGTERM: stopping"}.items() <= next(
        r for r in records if r["logger"] == "cocity.serve"
    ).items()
    # gunicorn's own lines are JSON records too (cocity/core/gunicorn_conf.py)
    assert any(r["logger"] == "gunicorn.error" for r in records)


@pytest.mark.slow
def test_serve_stops_the_web_when_the_task_worker_dies(migrated: Path, tmp_path: Path) -> None:
    proc, port = _serve(migrated, tmp_path)
    children: dict[str, int] = {}
    try:
        _wait(f"http://127.0.0.1:{port}/healthz", timeout=90)
        children.update(_children(proc.pid))
        os.kill(children["worker"], signal.SIGKILL)
        assert proc.wait(timeout=60) != 0  # an orchestrator restarts the whole tree
        assert not _alive(children["web"])
    finally:
        out = _cleanup(proc, children)
    lines = [line for line in out.splitlines() if line.strip()]
    assert "web workers; a task worker" in lines[0]  # the one line for the person at the terminal
    records = [json.loads(line) for line in lines[1:]]  # the rest: JSON log records only
    said = [r["message"] for r in records if r["logger"] == "cocity.serve"]
    assert said == [
        "task worker exited with status -9: stopping the others",
        "stopped: a child exited (status 137)",
    ]


@pytest.mark.slow
def test_serve_without_worker_and_killed_leaves_no_orphan(migrated: Path, tmp_path: Path) -> None:
    proc, port = _serve(migrated, tmp_path, "--no-worker")
    children: dict[str, int] = {}
    try:
        health = json.loads(_wait(f"http://127.0.0.1:{port}/healthz", timeout=90))
        children.update(_children(proc.pid))
        assert set(children) == {"web"}
        time.sleep(3)  # a worker would have run the task by now (it polls every second)
        assert _task_status(tmp_path / "cocity.sqlite3") == ["READY"]
        health = json.loads(_wait(f"http://127.0.0.1:{port}/healthz"))
        assert health["checks"]["tasks"]["waiting"] == 1
        proc.kill()  # SIGKILL: serve cannot clean up; the kernel tells gunicorn to stop
        proc.wait(timeout=10)
        _until(lambda: not _alive(children["web"]), 60, "gunicorn gone after serve was killed")
    finally:
        out = _cleanup(proc, children)
    assert "no task worker (--no-worker)" in out


def _job_runs(db: Path) -> dict[str, tuple[object, object]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT name, last_success_at, last_error FROM core_scheduledjob")
        return {name: (success, error) for name, success, error in rows}


@pytest.mark.slow
def test_serve_runs_the_scheduler_whose_jobs_the_worker_does(
    migrated: Path, tmp_path: Path
) -> None:
    proc, port = _serve(migrated, tmp_path, scheduler=True)
    children: dict[str, int] = {}
    db = tmp_path / "cocity.sqlite3"
    try:
        _wait(f"http://127.0.0.1:{port}/healthz", timeout=90)
        children.update(_children(proc.pid))
        assert set(children) == {"web", "worker", "scheduler"}
        # every declared job was due (never run): queued by the scheduler, done by the worker
        _until(
            lambda: len(_job_runs(db)) >= 8 and all(s for s, _ in _job_runs(db).values()),
            240,
            "every periodic job done once",
        )
        assert all(not error for _, error in _job_runs(db).values())
        health = json.loads(_wait(f"http://127.0.0.1:{port}/healthz"))
        assert health["checks"]["scheduler"]["ok"] is True
        assert health["checks"]["scheduler"]["failing"] == []
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        assert not any(_alive(pid) for pid in children.values())
    finally:
        out = _cleanup(proc, children)
    assert "the scheduler of periodic jobs" in out.splitlines()[0]
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert any(r["message"].startswith("periodic job invest-tick queued") for r in records)
