"""The built-in scheduler of periodic jobs: declared jobs, slots, one claim per slot over the
real database, failures recorded, `cocity schedule`, `/healthz`, `COCITY_SCHEDULER=off`."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.test import Client
from django.utils.module_loading import import_string
from tests.core import schedule_probe

from cocity.core import scheduling, services
from cocity.core.management.commands.serve import scheduler_command
from cocity.core.models import AuditEntry, ScheduledJob
from cocity.core.scheduling import Job

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
NOON = datetime(2026, 12, 6, 12, 0, 30, tzinfo=UTC)
PROBE = "tests.core.schedule_probe"


@pytest.fixture
def probe_jobs(monkeypatch: pytest.MonkeyPatch) -> list[Job]:
    """Replace the declared jobs with probes (the list may be changed by the test)."""
    schedule_probe.RUNS.clear()
    declared = [
        Job("count", task=f"{PROBE}.count", every=300),
        Job("daily", task=f"{PROBE}.other", at="03:30"),
    ]
    monkeypatch.setattr(scheduling, "jobs", lambda: list(declared))
    return declared


def _queued() -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path="cocity.core.tasks.scheduled_job_task").count()


def _work() -> None:
    call_command("worker", batch=True, interval=0.1, stdout=io.StringIO(), stderr=io.StringIO())


# --- declaring and the clock ---------------------------------------------------------------------


def test_every_job_the_operations_need_is_declared_with_a_real_command_or_task() -> None:
    jobs = {job.name: job for job in scheduling.jobs()}
    assert {
        "invest-tick",
        "sensors-check",
        "sensors-evidence",
        "sensors-notify",
        "cocreation-measure",
        "opendata-publish",
        "equity-refresh",
        "audit-verify",
    } <= set(jobs)
    commands = get_commands()
    for job in jobs.values():
        if job.command:
            assert job.command[0] in commands, job.name
        else:
            target = import_string(job.task)
            assert callable(getattr(target, "call", target)), job.name
    assert jobs["audit-verify"].command == ("audit", "verify")
    assert jobs["audit-verify"].schedule == "daily at 02:45"
    assert jobs["sensors-notify"].schedule == "every 1 min"


def test_slots_of_an_interval_and_of_a_daily_time_in_the_local_zone(settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Madrid"  # UTC+1 in December
    every = Job("e", task="x.y", every=300)
    assert every.slot(NOON) == datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    assert every.next_slot(every.slot(NOON)) == datetime(2026, 12, 6, 12, 5, tzinfo=UTC)
    daily = Job("d", task="x.y", at="02:45")
    # 01:00 UTC is 02:00 in Madrid: today's 02:45 has not come, the slot is yesterday's
    assert daily.slot(datetime(2026, 12, 6, 1, 0, tzinfo=UTC)) == datetime(
        2026, 12, 5, 1, 45, tzinfo=UTC
    )
    assert daily.slot(datetime(2026, 12, 6, 1, 45, tzinfo=UTC)) == datetime(
        2026, 12, 6, 1, 45, tzinfo=UTC
    )
    assert daily.next_slot(datetime(2026, 12, 6, 1, 45, tzinfo=UTC)) == datetime(
        2026, 12, 7, 1, 45, tzinfo=UTC
    )


def test_cocity_schedule_overrides_single_jobs(settings: Any) -> None:
    settings.COCITY_SCHEDULE = "sensors-check=off, opendata-publish=05:10,invest-tick=10m"
    jobs = {job.name: job for job in scheduling.jobs()}
    assert not jobs["sensors-check"].enabled
    assert jobs["sensors-check"].schedule == "off"
    assert jobs["opendata-publish"].schedule == "daily at 05:10"
    assert jobs["invest-tick"].every == 600
    for bad in ("invest-tick=soon", "invest-tick=0", "invest-tick", "no-such-job=off"):
        settings.COCITY_SCHEDULE = bad
        with pytest.raises(ImproperlyConfigured):
            scheduling.jobs()


def test_a_job_needs_one_target_and_one_schedule() -> None:
    with pytest.raises(ImproperlyConfigured):
        Job("both", command=("audit", "verify"), task="x.y", every=60)
    with pytest.raises(ImproperlyConfigured):
        Job("none", command=("audit", "verify"))
    with pytest.raises(ImproperlyConfigured):
        Job("late", command=("audit", "verify"), at="25:00")


# --- claiming slots over the database ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_due_job_is_queued_once_however_many_schedulers_tick(probe_jobs: list[Job]) -> None:
    first = services.schedule_tick(now=NOON)
    second = services.schedule_tick(now=NOON + timedelta(seconds=5))  # another app server
    assert sorted(first) == ["count", "daily"]
    assert second == []
    assert _queued() == 2
    assert schedule_probe.RUNS == {}  # queued for the task worker, not run by the scheduler
    _work()
    assert schedule_probe.RUNS == {"count": 1, "other": 1}
    row = ScheduledJob.objects.get(name="count")
    assert row.last_slot == datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    assert row.last_success_at is not None
    assert row.last_result == "counted 1"
    assert not row.failing


@pytest.mark.django_db(transaction=True)
def test_a_job_not_due_is_not_run(
    probe_jobs: list[Job], settings: Any, django_assert_num_queries: Any
) -> None:
    settings.TASKS = IMMEDIATE
    services.schedule_tick(now=NOON)
    assert schedule_probe.RUNS == {"count": 1, "other": 1}
    # later in the same 5-minute slot, and the same day: nothing is due, one read and no write
    with django_assert_num_queries(1):
        assert services.schedule_tick(now=NOON + timedelta(minutes=4)) == []
    assert schedule_probe.RUNS == {"count": 1, "other": 1}
    # the next 5-minute slot: only the interval job
    assert services.schedule_tick(now=NOON + timedelta(minutes=5)) == ["count"]
    # an hour of missed slots (servers down) gives one run, not twelve
    assert services.schedule_tick(now=NOON + timedelta(hours=1, minutes=5)) == ["count"]
    assert schedule_probe.RUNS == {"count": 3, "other": 1}


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_is_recorded_and_the_next_job_still_runs(
    probe_jobs: list[Job], settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.TASKS = IMMEDIATE
    probe_jobs.insert(0, Job("broken", task=f"{PROBE}.fail", every=60))
    assert services.schedule_tick(now=NOON) == ["broken", "count", "daily"]
    assert schedule_probe.RUNS == {"fail": 1, "count": 1, "other": 1}
    broken = ScheduledJob.objects.get(name="broken")
    assert broken.failing
    assert broken.last_run_at is not None
    assert broken.last_success_at is None
    assert broken.last_error.startswith("RuntimeError: the probe failed on purpose")
    assert "periodic job broken failed" in caplog.text
    assert not ScheduledJob.objects.get(name="count").failing
    # it is tried again at its next slot; a success there clears "failing", keeps the error
    probe_jobs[0] = Job("broken", task=f"{PROBE}.count", every=60)
    services.schedule_tick(now=NOON + timedelta(minutes=1))
    broken.refresh_from_db()
    assert not broken.failing
    assert broken.last_error


@pytest.mark.django_db(transaction=True)
def test_every_declared_job_runs_on_a_small_city(city: dict[str, Any]) -> None:
    """The real commands and tasks, with the arguments the declarations give them."""
    for job in scheduling.jobs():
        row = services.scheduled_job_run(name=job.name)
        assert not row.failing, (job.name, row.last_error)
        assert row.last_success_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_real_command_job_that_exits_non_zero_is_a_failure(city: dict[str, Any]) -> None:
    """`cocity audit verify` exits 1 on a broken chain: the job records it as its error."""
    assert services.scheduled_job_run(name="audit-verify").last_result.startswith(
        "Audit log intact"
    )
    entry = AuditEntry.objects.order_by("id")[2]
    AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    row = services.scheduled_job_run(name="audit-verify")
    assert row.failing
    assert row.last_error.startswith("SystemExit: 1")
    assert f"BROKEN at entry #{entry.pk}" in row.last_error


@pytest.mark.django_db(transaction=True)
def test_scheduler_off_runs_nothing(probe_jobs: list[Job], settings: Any) -> None:
    settings.TASKS = IMMEDIATE
    settings.COCITY_SCHEDULER = False
    assert services.schedule_tick(now=NOON) == []
    call_command("schedule", "loop", stdout=io.StringIO())  # returns at once
    assert schedule_probe.RUNS == {}
    assert not ScheduledJob.objects.exists()
    assert scheduler_command() is None
    settings.COCITY_SCHEDULER = True
    assert scheduler_command() is not None
    assert scheduler_command()[-3:] == ["cocity.cli", "schedule", "loop"]  # type: ignore[index]


@pytest.mark.django_db(transaction=True)
def test_a_queue_that_refuses_the_run_gives_the_slot_back(
    probe_jobs: list[Job], monkeypatch: pytest.MonkeyPatch
) -> None:
    from cocity.core.tasks import scheduled_job_task

    def refuse(*args: Any) -> None:
        raise ConnectionError("broker down")

    monkeypatch.setattr(type(scheduled_job_task), "enqueue", lambda self, *a: refuse())
    assert services.schedule_tick(now=NOON) == []
    row = ScheduledJob.objects.get(name="count")
    assert row.last_slot is None
    assert "broker down" in row.last_error
    monkeypatch.undo()
    monkeypatch.setattr(scheduling, "jobs", lambda: probe_jobs)
    assert "count" in services.schedule_tick(now=NOON + timedelta(seconds=30))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_ticking_at_once_on_postgres_queue_each_slot_once(
    probe_jobs: list[Job],
) -> None:
    """Eight schedulers (threads, each with its own connection) tick at the same instant."""
    from django.db import connection, connections

    assert connection.vendor == "postgresql"
    probe_jobs.extend(Job(f"job-{n}", task=f"{PROBE}.count", every=60) for n in range(6))
    start = threading.Barrier(8)
    won: list[str] = []
    errors: list[BaseException] = []

    def tick() -> None:
        try:
            start.wait()
            won.extend(services.schedule_tick(now=NOON))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tick) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(won) == sorted(job.name for job in probe_jobs)  # each once, by someone
    assert _queued() == len(probe_jobs)


# --- the command and the health check ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_schedule_list_and_run(probe_jobs: list[Job], settings: Any) -> None:
    settings.TASKS = IMMEDIATE
    probe_jobs.append(Job("broken", task=f"{PROBE}.fail", every=60))
    out = io.StringIO()
    call_command("schedule", "run", "count", stdout=out)
    assert out.getvalue().strip() == "count: counted 1"
    with pytest.raises(SystemExit) as exited:
        call_command("schedule", "run", "broken", stdout=io.StringIO(), stderr=io.StringIO())
    assert exited.value.code == 1
    with pytest.raises(CommandError, match="no periodic job 'nope'"):
        call_command("schedule", "run", "nope")
    out = io.StringIO()
    call_command("schedule", "list", stdout=out)
    text = out.getvalue()
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["job", "schedule", "runs"]
    assert any(line.startswith("count ") and "every 5 min" in line for line in lines)
    assert any(line.startswith("daily ") and "daily at 03:30" in line for line in lines)
    assert "broken failed: RuntimeError: the probe failed on purpose" in text


@pytest.mark.django_db(transaction=True)
def test_healthz_reports_an_overdue_job(probe_jobs: list[Job], settings: Any) -> None:
    settings.TASKS = IMMEDIATE
    settings.HEALTH_TASK_MAX_AGE = 300
    client = Client()
    services.schedule_tick()  # now: both claimed
    body = client.get("/healthz").json()
    assert body["checks"]["scheduler"] == {"ok": True, "jobs": 2, "overdue": [], "failing": []}
    # the 5-minute job last claimed 20 minutes ago: no scheduler has run since
    ScheduledJob.objects.filter(name="count").update(
        last_slot=datetime.now(tz=UTC) - timedelta(minutes=20)
    )
    res = client.get("/healthz")
    assert res.status_code == 503
    assert res.json()["checks"]["scheduler"]["overdue"] == ["count"]
    settings.COCITY_SCHEDULER = False  # cron runs the jobs: the rows are not the scheduler's
    res = client.get("/healthz")
    assert "scheduler" not in res.json()["checks"]
