"""Starting a served cocity for a benchmark: a free port, `cocity serve` in a child process
(waited for until /healthz answers), and plain GET/POST over one HTTP connection.

Used by bench/sensing; bench/needs, bench/budgeting and bench/load still carry their own copy."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
SRC = Path(__file__).resolve().parent.parent / "src"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a child process: this one's, with this tree's src/ first on the path
    (so a worktree's code is measured, not an installed copy)."""
    path = os.pathsep.join(p for p in (str(SRC), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, **(extra or {})}


def serve(
    var_dir: str, port: int, *, workers: int = 2, threads: int = 1, timeout: float = 60
) -> subprocess.Popen[bytes]:
    """`cocity serve` (web only, no task worker) on 127.0.0.1:port, ready when it returns."""
    log = open(Path(var_dir) / "serve.log", "wb")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(
        [
            *[str(VENV_BIN / "cocity"), "serve", "--no-worker", "--workers", str(workers)],
            *["--threads", str(threads), "--port", str(port)],
        ],
        env=child_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=var_dir,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if request(port, "GET", "/healthz")[0] == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the server did not start: see " + str(Path(var_dir) / "serve.log"))


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    conn: http.client.HTTPConnection | None = None,
) -> tuple[int, bytes]:
    """One request; on ``conn`` when given (kept open), else on a new connection."""
    own = conn is None
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        c.request(method, path, body=body, headers=headers or {})
        res = c.getresponse()
        return res.status, res.read()
    finally:
        if own:
            c.close()


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
