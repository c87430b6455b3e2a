"""The periodic jobs: what runs on its own, and when.

Each app declares its jobs in its ``AppConfig.periodic_jobs()``; ``jobs()`` collects them in
``INSTALLED_APPS`` order and applies ``COCITY_SCHEDULE``'s overrides. A job runs a management
command (the same one the docs give for cron) or a django-tasks task, either every N seconds or
daily at a local time. This module only declares and does the clock arithmetic; claiming a slot
and running a job are services (``core.services.schedule_tick``, ``scheduled_job_run``).

    class InvestmentConfig(AppConfig):
        def periodic_jobs(self) -> list[Job]:
            return [Job("invest-tick", command=("invest_tick",), every=300)]

A job's **slot** is the moment its latest run was due: for ``every=N`` the multiples of N seconds
since the Unix epoch, for ``at="HH:MM"`` that time of day in ``TIME_ZONE``. A job is due when its
current slot is later than the slot it last claimed, so missed slots (the servers were down)
give one run, not one per slot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

_EVERY = re.compile(r"^(\d+)([smh]?)$")
_AT = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True)
class Job:
    """A periodic job: ``command`` (a management command and its arguments) or ``task`` (the
    dotted path of a django-tasks task or a plain function, called without arguments), run
    ``every`` N seconds or daily ``at`` "HH:MM" local time. ``enabled=False``: declared, but off
    (``COCITY_SCHEDULE=name=off``)."""

    name: str
    command: tuple[str, ...] = ()
    task: str = ""
    every: int = 0
    at: str = ""
    enabled: bool = True

    def __post_init__(self) -> None:
        if bool(self.command) == bool(self.task):
            raise ImproperlyConfigured(f"job {self.name}: give a command or a task, not both")
        if bool(self.every) == bool(self.at):
            raise ImproperlyConfigured(f"job {self.name}: give every=seconds or at='HH:MM'")
        if self.every < 0 or (self.at and not _AT.match(self.at)):
            raise ImproperlyConfigured(f"job {self.name}: bad schedule {self.every or self.at!r}")

    @property
    def schedule(self) -> str:
        """The schedule in words, as ``cocity schedule list`` shows it."""
        if not self.enabled:
            return "off"
        if self.at:
            return f"daily at {self.at}"
        for unit, seconds in (("h", 3600), ("min", 60)):
            if self.every % seconds == 0:
                return f"every {self.every // seconds} {unit}"
        return f"every {self.every} s"

    @property
    def runs(self) -> str:
        return f"cocity {' '.join(self.command)}" if self.command else self.task

    def slot(self, now: datetime) -> datetime:
        """The start of the slot ``now`` falls in: the latest moment at or before ``now`` when the
        job was due."""
        if self.every:
            seconds = int(now.timestamp()) // self.every * self.every
            return datetime.fromtimestamp(seconds, tz=UTC)
        day = timezone.localtime(now).date()
        start = timezone.make_aware(datetime.combine(day, self._time))
        if start > now:
            start = timezone.make_aware(datetime.combine(day - timedelta(days=1), self._time))
        return start

    @property
    def _time(self) -> time:
        hour, minute = self.at.split(":")
        return time(int(hour), int(minute))

    def next_slot(self, after: datetime) -> datetime:
        """The first slot later than ``after`` (a slot this job claimed)."""
        if self.every:
            return self.slot(after) + timedelta(seconds=self.every)
        day = timezone.localtime(self.slot(after)).date() + timedelta(days=1)
        return timezone.make_aware(datetime.combine(day, self._time))


def _override(job: Job, spec: str) -> Job:
    if spec == "off":
        return replace(job, enabled=False)
    if _AT.match(spec):
        return replace(job, at=spec, every=0, enabled=True)
    every = _EVERY.match(spec)
    if every and int(every.group(1)) > 0:
        return replace(job, every=int(every.group(1)) * _UNIT[every.group(2)], at="", enabled=True)
    raise ImproperlyConfigured(
        f"COCITY_SCHEDULE: {job.name}={spec!r} is not off, HH:MM or a number of seconds "
        "(with s, m or h)"
    )


def overrides(text: str) -> dict[str, str]:
    """``COCITY_SCHEDULE``: comma-separated ``name=off``, ``name=HH:MM``, ``name=90|5m|2h``."""
    found: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, spec = item.partition("=")
        if not sep or not name.strip() or not spec.strip():
            raise ImproperlyConfigured(f"COCITY_SCHEDULE: {item!r} is not name=schedule")
        found[name.strip()] = spec.strip().lower()
    return found


def jobs() -> list[Job]:
    """Every declared job, ``COCITY_SCHEDULE`` applied (disabled jobs included)."""
    from django.apps import apps
    from django.conf import settings

    declared: dict[str, Job] = {}
    for config in apps.get_app_configs():
        declare: Any = getattr(config, "periodic_jobs", None)
        for job in declare() if callable(declare) else ():
            if job.name in declared:
                raise ImproperlyConfigured(f"two periodic jobs are named {job.name}")
            declared[job.name] = job
    for name, spec in overrides(settings.COCITY_SCHEDULE).items():
        if name not in declared:
            raise ImproperlyConfigured(
                f"COCITY_SCHEDULE names {name!r}; the jobs are {', '.join(declared)}"
            )
        declared[name] = _override(declared[name], spec)
    return list(declared.values())


def job(name: str) -> Job:
    """The job called ``name``; ``KeyError`` when there is none."""
    found = {j.name: j for j in jobs()}
    return found[name]
