"""The Celery application behind ``cocity.core.task_backends.CeleryBackend``.

Run a worker with ``celery -A cocity.celery_app --quiet worker -Q default``. The broker is
``settings.COCITY_CELERY_BROKER`` (environment ``COCITY_CELERY_BROKER``, else ``REDIS_URL``), the
same setting the app servers enqueue with.

Logging: Django's ``LOGGING`` (JSON lines on stderr) is applied once, when Celery would set up
its own logging (the ``setup_logging`` signal), so Celery never re-points it; then ``print()``
and console e-mails written to stdout/stderr are turned into log records (JSON lines too). The few
notices Celery writes straight to the process's stdout (``worker: Warm shutdown (MainProcess)``
from its signal handler) become log records of the logger ``celery.stdout``: stdout carries
nothing, stderr only JSON lines.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import socket
import threading
import time
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cocity.settings")

#: a sorted set (worker name → time of its last heartbeat) in the broker's Redis database
HEARTBEAT_KEY = "cocity:celery:workers"
#: workers write their heartbeat this often (seconds); /healthz counts a worker alive for 3×
HEARTBEAT_INTERVAL = 10.0
#: how often (seconds) a worker looks for tasks taken by a dead worker (kombu's "restore")
RESTORE_INTERVAL = 10

logger = logging.getLogger(__name__)


def make_app(url: str | None = None) -> Celery:
    from django.conf import settings

    url = url or settings.COCITY_CELERY_BROKER
    celery = Celery("cocity", broker=url, backend=url)
    celery.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_extended=True,  # keep the task's path and arguments next to its result
        task_acks_late=True,  # a task whose worker dies is delivered again: nothing is lost
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        # A task taken but not acknowledged (its worker was killed, including deferred tasks
        # the worker was holding until their time) is delivered again after this many
        # seconds, not kombu's default hour; every worker sweeps for such tasks every
        # RESTORE_INTERVAL seconds (kombu's default sweep is every 100 s).
        broker_transport_options={
            "visibility_timeout": settings.COCITY_CELERY_VISIBILITY_TIMEOUT,
            "unacked_restore_interval": RESTORE_INTERVAL,
            "unacked_restore_throttle": 1,
        },
        # Django's LOGGING stays in charge (see _setup_logging); stdout/stderr become records
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=True,
        worker_redirect_stdouts_level="INFO",
    )
    celery.task(name="cocity.run_task", track_started=True)(run_task)
    return celery


def run_task(module_path: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    from django.apps import apps

    if not apps.ready:  # django.setup() re-applies LOGGING on every call: once is enough
        import django

        django.setup()
    from django.utils.module_loading import import_string
    from django_tasks.utils import normalize_json

    task = import_string(module_path)
    return normalize_json(task.call(*args, **kwargs))


def _apply_django_logging() -> None:
    import django

    django.setup()  # applies settings.LOGGING: JSON lines on the real stderr
    logging.captureWarnings(True)  # warnings (e.g. Celery's SecurityWarning) as JSON lines too


def _stdout_into_log() -> None:
    """Make what is written to file descriptor 1 log records, one per line.

    Celery's main process writes some notices with ``os.write`` on the process's own stdout,
    past ``sys.stdout`` and logging (its shutdown notice, from a signal handler). Descriptor 1
    becomes a pipe whose lines a thread logs; at exit the pipe is closed and the thread given a
    moment to log the last lines."""
    read_fd, write_fd = os.pipe()
    os.dup2(write_fd, 1)
    os.close(write_fd)
    stdout_log = logging.getLogger("celery.stdout")

    def relay() -> None:
        with os.fdopen(read_fd, encoding="utf-8", errors="replace") as lines:
            for line in lines:
                if line.strip():
                    stdout_log.info(line.strip())

    thread = threading.Thread(target=relay, name="stdout-to-log", daemon=True)
    thread.start()

    def drain() -> None:
        with contextlib.suppress(OSError):
            os.close(1)  # the relay reads to the end of what was written, then stops
        thread.join(timeout=2)

    atexit.register(drain)


@signals.celeryd_init.connect
def _logging_before_worker_starts(**kwargs: Any) -> None:
    """The worker's first hook, before it prints anything to stderr."""
    _apply_django_logging()
    _stdout_into_log()


@signals.setup_logging.connect
def _setup_logging(**kwargs: Any) -> None:
    """Configure logging from Django's settings instead of letting Celery configure it.

    Connecting this signal tells Celery not to touch logging. The handlers are built while
    sys.stdout/sys.stderr are still the real streams; only then are the streams redirected
    into logging, so what tasks print (e.g. the console e-mail backend) becomes JSON lines on
    stderr instead of going nowhere."""
    _apply_django_logging()
    if app.conf.worker_redirect_stdouts:
        app.log.redirect_stdouts(app.conf.worker_redirect_stdouts_level)


def _heartbeat_loop(client: Any, name: str, stop: threading.Event) -> None:
    import redis

    while not stop.is_set():
        try:
            now = time.time()
            pipe = client.pipeline()
            pipe.zadd(HEARTBEAT_KEY, {name: now})
            pipe.zremrangebyscore(HEARTBEAT_KEY, "-inf", now - 10 * HEARTBEAT_INTERVAL)
            pipe.execute()
        except redis.RedisError:
            logger.warning("could not write the worker heartbeat", exc_info=True)
        stop.wait(HEARTBEAT_INTERVAL)


_heartbeat: dict[str, Any] = {}


@signals.worker_ready.connect
def _start_heartbeat(sender: Any = None, **kwargs: Any) -> None:
    """Tell /healthz this worker is alive: a heartbeat in Redis, refreshed by a thread.

    A killed worker stops refreshing it, and /healthz stops counting it after
    3 × HEARTBEAT_INTERVAL."""
    import redis

    hostname = getattr(sender, "hostname", None) or f"celery@{socket.gethostname()}"
    stop = threading.Event()
    client = redis.Redis.from_url(app.conf.broker_url)
    name = f"{hostname}:{os.getpid()}"
    _heartbeat.update(client=client, name=name, stop=stop)
    threading.Thread(target=_heartbeat_loop, args=(client, name, stop), daemon=True).start()


@signals.worker_shutdown.connect
def _stop_heartbeat(**kwargs: Any) -> None:
    if not _heartbeat:
        return
    import redis

    _heartbeat["stop"].set()
    with contextlib.suppress(redis.RedisError):
        _heartbeat["client"].zrem(HEARTBEAT_KEY, _heartbeat["name"])


# the app `celery -A cocity.celery_app worker` finds
app = make_app()
