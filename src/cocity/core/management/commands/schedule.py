"""``cocity schedule list | run NAME | loop``: the periodic jobs (core/scheduling.py).

``loop`` is the scheduler `cocity serve` starts: every ``COCITY_SCHEDULER_TICK`` seconds it
claims the jobs whose slot has come and queues them for the task worker. SIGTERM or SIGINT ends it
after the tick under way.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from cocity.core import scheduling, selectors, services

log = logging.getLogger("cocity.schedule")


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _next(moment: datetime | None, now: datetime) -> str:
    return "due now" if moment and moment <= now else _when(moment)


class Command(BaseCommand):
    help = (
        "Periodic jobs: 'schedule list' shows each job, its schedule and last run, success and "
        "error; 'schedule run NAME' runs one now; 'schedule loop' is the scheduler `cocity "
        "serve` starts (unless COCITY_SCHEDULER=off)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="the jobs, their schedules and how their last runs went")
        run = sub.add_parser("run", help="run one job now, in this process")
        run.add_argument("name")
        sub.add_parser("loop", help="run the scheduler until SIGTERM or SIGINT")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "list":
            self._list()
        elif action == "run":
            self._run(options["name"])
        else:
            self._loop()

    def _list(self) -> None:
        grace = settings.HEALTH_TASK_MAX_AGE
        header = ("job", "schedule", "runs", "next", "last run", "last success", "last error")
        table = [header]
        notes = []
        now = timezone.now()
        for state in selectors.scheduled_jobs(now=now, grace=grace):
            row = state.row
            table.append(
                (
                    state.job.name,
                    state.job.schedule,
                    state.job.runs,
                    _next(state.next_at, now) if state.job.enabled else "—",
                    _when(row.last_run_at if row else None),
                    _when(row.last_success_at if row else None),
                    _when(row.last_error_at if row else None),
                )
            )
            if row and row.failing:
                notes.append(f"{state.job.name} failed: {row.last_error.splitlines()[0]}")
            if state.overdue_since:
                notes.append(f"{state.job.name} overdue since {_when(state.overdue_since)}")
        widths = [max(len(line[i]) for line in table) for i in range(len(header))]
        for line in table:
            self.stdout.write("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)))
        if not settings.COCITY_SCHEDULER:
            notes.insert(0, "COCITY_SCHEDULER=off: no scheduler runs these (cron does)")
        for note in notes:
            self.stdout.write(note)

    def _run(self, name: str) -> None:
        try:
            row = services.scheduled_job_run(name=name)
        except KeyError:
            names = ", ".join(job.name for job in scheduling.jobs())
            raise CommandError(f"no periodic job {name!r} (one of {names})") from None
        if row.failing:
            self.stderr.write(f"{name} failed: {row.last_error}")
            raise SystemExit(1)
        self.stdout.write(f"{name}: {row.last_result or 'done'}")

    def _loop(self) -> None:
        if not settings.COCITY_SCHEDULER:
            log.warning("COCITY_SCHEDULER=off: the scheduler does not run")
            return
        scheduling.jobs()  # a bad COCITY_SCHEDULE stops here, at start, not at every tick
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, on_signal)
        tick = settings.COCITY_SCHEDULER_TICK
        log.info("scheduler started (a look every %s s)", tick)
        while not stop.is_set():
            close_old_connections()  # like a request: drop connections past CONN_MAX_AGE
            try:
                services.schedule_tick()
            except Exception:  # the database went away: log it, try again at the next tick
                log.exception("scheduler tick failed")
            stop.wait(tick)
        log.info("scheduler stopped")
