"""`cocity serve`: the web workers (gunicorn) and a task worker as one process tree.

The command is a small supervisor. It starts gunicorn; unless ``--no-worker`` is given or the
task backend needs none, the worker of the configured task backend; unless
``COCITY_SCHEDULER=off``, the scheduler of periodic jobs (``cocity schedule loop``); and the MQTT
bridge when ``MQTT_URL`` is set. They all start and stop together:

- SIGTERM or SIGINT to ``serve`` is passed on as SIGTERM (gunicorn then finishes its requests),
  and whatever has not stopped after the grace period is killed;
- if any child exits, the others are stopped and ``serve`` exits non-zero, so an orchestrator
  (systemd, Kubernetes, a container's restart policy) restarts the whole tree; no half-running
  instance (web without tasks, or the reverse) is left behind;
- each child runs in its own process group (so a terminal's Ctrl-C reaches only ``serve``,
  which stops them in order) and is asked by the kernel to stop if ``serve`` itself dies, even by
  SIGKILL (Linux ``PR_SET_PDEATHSIG``), so no orphan keeps serving or working.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

#: seconds gunicorn gets to finish its requests after SIGTERM (its own ``--graceful-timeout``)
GRACEFUL_TIMEOUT = 20
#: how long `serve` waits for its children after SIGTERM before it kills them
STOP_TIMEOUT = GRACEFUL_TIMEOUT + 10

_PR_SET_PDEATHSIG = 1


def gunicorn_command(*, host: str, port: int, workers: int, threads: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "cocity.wsgi:application",
        # error and access logs as JSON lines on stderr (cocity/core/gunicorn_conf.py)
        "--config",
        "python:cocity.core.gunicorn_conf",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--access-logfile",
        "-",
        "--timeout",
        "60",
        "--graceful-timeout",
        str(GRACEFUL_TIMEOUT),
        # gunicorn's control socket (one path per user: instances on one machine would share
        # it) is not used by cocity
        "--no-control-socket",
    ]


def worker_command() -> list[str] | None:
    """The task worker of the configured backend, or None when it needs none here.

    The database queue runs `cocity worker`; the Celery backend runs the Celery worker command
    docs/operations.md gives; the immediate backend runs tasks inside the request. Any other
    backend's worker is the operator's to start (``serve`` says so).
    """
    backend = str(settings.TASKS["default"]["BACKEND"])
    if backend == "django_tasks_db.DatabaseBackend":
        return [sys.executable, "-m", "cocity.cli", "worker"]
    if backend == "cocity.core.task_backends.CeleryBackend":
        celery = ["celery", "-A", "cocity.celery_app", "--quiet", "worker", "-Q", "default"]
        return [sys.executable, "-m", *celery]
    return None


def bridge_command() -> list[str] | None:
    """`cocity mqtt-bridge` when devices publish to a broker (``MQTT_URL``), else None."""
    if not settings.MQTT_URL:
        return None
    return [sys.executable, "-m", "cocity.cli", "mqtt-bridge"]


def scheduler_command() -> list[str] | None:
    """`cocity schedule loop`, the periodic jobs' scheduler, unless ``COCITY_SCHEDULER=off``.

    Every app server may run one: the jobs' slots are claimed in the database, so each slot runs
    once however many schedulers tick (core/scheduling.py)."""
    if not settings.COCITY_SCHEDULER:
        return None
    return [sys.executable, "-m", "cocity.cli", "schedule", "loop"]


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when `serve` dies (Linux; elsewhere a no-op)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def _start(argv: list[str]) -> subprocess.Popen[bytes]:
    # gunicorn and the worker: our own interpreter with arguments built here
    return subprocess.Popen(argv, process_group=0, preexec_fn=_die_with_parent)  # noqa: S603


def _stop(children: list[subprocess.Popen[bytes]], timeout: float) -> None:
    """SIGTERM to every running child, then SIGKILL to the process group of any still running."""
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
    for child in children:
        if child.returncode is None:  # still running after the grace period
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)  # the child and anything it started
            child.wait()


def supervise(commands: dict[str, list[str]], *, log: Callable[[str], None]) -> int:
    """Run the commands together until a signal or until one exits; return the exit status."""
    stopping: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.append(signum)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    children: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, argv in commands.items():
            children[name] = _start(argv)
        status = 0
        while not stopping:
            ended = [(n, c.returncode) for n, c in children.items() if c.poll() is not None]
            if ended:
                name, code = ended[0]
                log(f"{name} exited with status {code}: stopping the others")
                status = 128 - code if code < 0 else (code or 1)  # killed by a signal: 128+N
                break
            time.sleep(0.2)
        else:
            log(f"signal {signal.Signals(stopping[0]).name}: stopping")
        _stop(list(children.values()), STOP_TIMEOUT)
        return status
    finally:
        _stop(list(children.values()), 0)  # only acts if something above failed
        for signum, handler in previous.items():
            signal.signal(signum, handler)


class Command(BaseCommand):
    help = (
        "Serve cocity: gunicorn (static files by whitenoise) and the task worker, "
        "as one process tree."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("COCITY_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2"))
        )
        # threads (gunicorn's gthread worker): a slow page in one thread does not hold up the
        # quick ones queued behind it, and idle keep-alive connections cost no worker
        parser.add_argument(
            "--threads", type=int, default=int(os.environ.get("COCITY_THREADS", "4"))
        )
        parser.add_argument("--no-collectstatic", action="store_true")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="do not start a task worker (workers run elsewhere)",
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        workers: int,
        threads: int,
        no_collectstatic: bool,
        no_worker: bool,
        **options: Any,
    ) -> None:
        if settings.PRODUCTION and not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cocity.settings")
        commands = {"web": gunicorn_command(host=host, port=port, workers=workers, threads=threads)}
        worker = None if no_worker else worker_command()
        if worker is not None:
            commands["task worker"] = worker
            tasks = "a task worker"
        elif no_worker:
            tasks = "no task worker (--no-worker)"
        elif settings.TASK_BACKEND == "immediate":
            tasks = "tasks run inside requests (immediate backend)"
        else:
            tasks = f"no task worker: start the worker of {settings.TASK_BACKEND} yourself"
        bridge = bridge_command()
        if bridge is not None:
            commands["mqtt bridge"] = bridge
            tasks += "; the MQTT bridge"
        scheduler = scheduler_command()
        if scheduler is not None:
            commands["scheduler"] = scheduler
            tasks += "; the scheduler of periodic jobs"
        self.stdout.write(
            f"Serving {settings.COCITY_NAME} on http://{host}:{port}/ "
            f"({workers} web workers; {tasks})"
        )
        self.stdout.flush()

        # the supervisor's own lines are JSON log records like its children's (on stderr; the
        # line above, for the person who started it, is the only one on stdout)
        log = logging.getLogger("cocity.serve")
        status = supervise(commands, log=log.warning)
        if status:
            # not a CommandError, which Django prints as plain text
            log.error("stopped: a child exited (status %s)", status)
            sys.exit(status)
