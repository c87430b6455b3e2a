"""Running the Celery backend as an operations team would: real Redis, real worker processes.

Logs and console e-mails of every task reach stderr as JSON lines; a worker killed mid-queue
loses nothing (deferred tasks included) and nothing runs twice; /healthz tells a stopped worker
from a running one; app servers and workers read one broker setting."""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

HERE = Path(__file__).resolve().parent
BROKER = "redis://127.0.0.1:6379/11"  # this file's Redis databases: 11 (broker), 12 (records)
RECORDS = "redis://127.0.0.1:6379/12"


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The probe tasks, imported under the same module path the worker imports them by."""
    monkeypatch.syspath_prepend(str(HERE))
    return importlib.import_module("celery_probe_tasks")


@pytest.fixture
def redis_dbs(require_service: Any) -> Any:
    require_service("redis")
    import redis

    broker, records = redis.Redis.from_url(BROKER), redis.Redis.from_url(RECORDS)
    broker.flushdb()
    records.flushdb()
    yield broker, records
    broker.flushdb()
    records.flushdb()


@pytest.fixture
def backend(redis_dbs: Any) -> Any:
    from cocity.core.task_backends import CeleryBackend

    return CeleryBackend("default", {"QUEUES": ["default"], "OPTIONS": {"BROKER_URL": BROKER}})


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Starts `celery -A cocity.celery_app worker` as an operator would; stderr goes to a file."""
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str, **env_extra: str) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "COCITY_CELERY_BROKER": BROKER,
            "COCITY_VAR_DIR": str(tmp_path),
            "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
            "LOG_LEVEL": "INFO",
            **env_extra,
        }
        env.pop("DATABASE_URL", None)
        env.pop("EMAIL_URL", None)  # console e-mail backend
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "cocity.celery_app", "--quiet", "worker"),
                *("-Q", "default", "--pool", "solo", "--loglevel", "INFO", "-n", f"{name}@%h"),
                *("--without-gossip", "--without-mingle"),
            ],
            env=env,
            stdout=(tmp_path / f"{name}.out").open("wb"),
            stderr=(tmp_path / f"{name}.err").open("wb"),
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _until(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _finished(backend: Any, result_id: str) -> bool:
    from django_tasks.base import TaskResultStatus

    status = backend.get_result(result_id).status
    return status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)


@pytest.mark.service
@pytest.mark.slow
def test_worker_logs_and_console_mail_of_every_task_reach_stderr_as_json(
    backend: Any, probe: Any, start_worker: Any, tmp_path: Path
) -> None:
    from cocity.core import tasks

    worker = start_worker("logs")
    first = backend.enqueue(tasks.ping, [], {})
    _until(lambda: _finished(backend, first.id), 60, "the first task")
    second = backend.enqueue(probe.log_and_mail, ["second-task-7f3a"], {})
    _until(lambda: _finished(backend, second.id), 60, "the second task")
    err = tmp_path / "logs.err"
    _until(lambda: b"Probe second-task-7f3a" in err.read_bytes(), 10, "the e-mail on stderr")
    worker.terminate()
    worker.wait(timeout=30)
    lines = [line for line in err.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is a JSON object
    logged = [r for r in records if r["logger"] == "cocity.probe"]
    assert [r["message"] for r in logged] == ["probe task ran second-task-7f3a"]
    assert logged[0]["marker"] == "second-task-7f3a"
    assert logged[0]["level"] == "INFO"
    mails = [r for r in records if "Subject: Probe second-task-7f3a" in r["message"]]
    assert len(mails) == 1
    assert mails[0]["logger"] == "cocity.mail"
    assert mails[0]["to"] == ["someone@example.org"]
    printed = [r for r in records if r["message"] == "printed by second-task-7f3a"]
    assert [r["logger"] for r in printed] == ["celery.redirected"]
    assert any(r["logger"].startswith("celery.") for r in records)  # Celery's own lines too
    # Celery's shutdown notice, which it writes straight to the process's stdout, is a record
    # too: stdout stays empty
    stopping = [r for r in records if r["logger"] == "celery.stdout"]
    assert [r["message"] for r in stopping] == ["worker: Warm shutdown (MainProcess)"]
    assert (tmp_path / "logs.out").read_bytes() == b""


def _worker_ready(broker: Any) -> bool:
    from cocity.celery_app import HEARTBEAT_KEY

    return bool(broker.zcard(HEARTBEAT_KEY))


def _running_for(records: Any, seconds: float) -> bool:
    running = records.get("probe:running")
    return bool(running) and time.time() - float(running.decode().split("@")[1]) >= seconds


@pytest.mark.service
@pytest.mark.slow
def test_killed_worker_loses_no_task_and_runs_none_twice(
    backend: Any, redis_dbs: Any, probe: Any, start_worker: Any
) -> None:
    broker, records = redis_dbs
    # a short visibility timeout, as the setting allows; still longer than any task or deferral
    visibility = {"COCITY_CELERY_VISIBILITY_TIMEOUT": "10"}
    first = start_worker("first", **visibility)
    _until(lambda: _worker_ready(broker), 90, "the first worker")
    labels = []
    # deferred tasks first: the worker takes them at once and holds them until their time
    run_after = timezone.now() + timedelta(seconds=5)
    for i in range(3):
        backend.enqueue(probe.record.using(run_after=run_after), [RECORDS, f"deferred-{i}"], {})
        labels.append(f"deferred-{i}")
    for i in range(10):
        backend.enqueue(probe.record, [RECORDS, f"task-{i}", 0.6], {})
        labels.append(f"task-{i}")
    _until(lambda: records.llen("probe:done") >= 2, 30, "two tasks done")
    _until(lambda: _running_for(records, 0.2), 10, "a task in progress")
    first.send_signal(signal.SIGKILL)  # mid-task, holding the deferred ones
    first.wait(timeout=10)
    done_at_kill = [e.decode().split("@")[0] for e in records.lrange("probe:done", 0, -1)]
    assert not any(label.startswith("deferred") for label in done_at_kill)
    assert broker.hlen("unacked") >= 4  # the deferred ones and the interrupted one were held

    start_worker("second", **visibility)
    restarted = time.monotonic()
    _until(lambda: records.llen("probe:done") >= len(labels), 60, "every task done again")
    assert time.monotonic() - restarted <= 60
    time.sleep(2)  # nothing more may arrive: no task runs twice
    done = [entry.decode().split("@") for entry in records.lrange("probe:done", 0, -1)]
    assert sorted(label for label, _at in done) == sorted(labels)
    for label, at in done:
        if label.startswith("deferred"):
            assert float(at) >= run_after.timestamp()  # deferred tasks kept their time


@pytest.mark.service
@pytest.mark.slow
@pytest.mark.django_db
def test_healthz_fails_while_messages_wait_for_a_stopped_worker_and_recovers(
    backend: Any, redis_dbs: Any, start_worker: Any, client: Client, monkeypatch: Any
) -> None:
    from cocity.core import health, tasks
    from cocity.core.task_backends import KEY_PREFIX

    broker, _records = redis_dbs
    monkeypatch.setattr(health, "_default_backend", lambda: backend)
    ids = [backend.enqueue(tasks.ping, [], {}).id for _ in range(101)]
    # the first of them was enqueued an hour ago (no worker was running)
    key = f"{KEY_PREFIX}{ids[0]}"
    record = json.loads(broker.get(key))
    record[3] = (timezone.now() - timedelta(hours=1)).isoformat()
    broker.set(key, json.dumps(record))

    res = client.get("/healthz")
    assert res.status_code == 503
    check = res.json()["checks"]["tasks"]
    assert check["backend"] == "CeleryBackend"
    assert check["waiting"] == 101
    assert check["oldest_age_seconds"] >= 3500
    assert check["max_age_seconds"] == 300
    assert check["stale"] is True
    assert check["workers"] == 0
    assert check["ok"] is False

    start_worker("health")
    _until(lambda: _finished(backend, ids[-1]), 90, "the queue drained")
    res = _until(
        lambda: (r := client.get("/healthz")).status_code == 200 and r,
        30,
        "a healthy /healthz",
    )
    check = res.json()["checks"]["tasks"]
    assert check["waiting"] == 0
    assert check["workers"] == 1
    assert check["ok"] is True


def test_app_servers_and_workers_read_one_broker_setting(tmp_path: Path) -> None:
    script = (
        "import django; django.setup()\n"
        "from django_tasks import task_backends\n"
        "from cocity.celery_app import app\n"
        "server = task_backends['default'].app.conf\n"
        "print(server.broker_url, app.conf.broker_url)\n"
        "print(server.broker_transport_options['visibility_timeout'],"
        " app.conf.broker_transport_options['visibility_timeout'])\n"
    )

    def urls(**env_extra: str) -> list[str]:
        env = {
            **os.environ,
            "COCITY_VAR_DIR": str(tmp_path),
            "COCITY_TASK_BACKEND": "cocity.core.task_backends.CeleryBackend",
            "DJANGO_SETTINGS_MODULE": "cocity.settings",
            **env_extra,
        }
        for name in ("DATABASE_URL", "REDIS_URL", "COCITY_CELERY_BROKER"):
            if name not in env_extra:
                env.pop(name, None)
        out = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, check=True, text=True
        ).stdout
        return out.split()

    set_broker = "redis://127.0.0.1:6379/13"
    assert urls(COCITY_CELERY_BROKER=set_broker, REDIS_URL="redis://127.0.0.1:6379/3") == [
        set_broker,
        set_broker,
        "300",
        "300",
    ]
    # unset: both fall back to REDIS_URL; the visibility timeout is one setting too
    cache = "redis://127.0.0.1:6379/4"
    assert urls(REDIS_URL=cache, COCITY_CELERY_VISIBILITY_TIMEOUT="120") == [
        cache,
        cache,
        "120",
        "120",
    ]


def test_deploy_check_warns_when_broker_and_cache_share_a_database(settings: Any) -> None:
    from cocity.core.checks import check_broker_not_in_cache_database

    settings.TASKS = {"default": {"BACKEND": "cocity.core.task_backends.CeleryBackend"}}
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://redis:6379/0",
        }
    }
    settings.COCITY_CELERY_BROKER = "redis://redis:6379/0"
    (warning,) = check_broker_not_in_cache_database()
    assert warning.id == "cocity.W001"
    settings.COCITY_CELERY_BROKER = "redis://redis:6379/1"
    assert check_broker_not_in_cache_database() == []
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.COCITY_CELERY_BROKER = "redis://redis:6379/0"
    assert check_broker_not_in_cache_database() == []


@pytest.mark.django_db
def test_healthz_fails_when_the_broker_does_not_answer(client: Client, monkeypatch: Any) -> None:
    from cocity.core import health
    from cocity.core.task_backends import CeleryBackend

    nowhere = "redis://127.0.0.1:9/0"  # the discard port: nothing listens
    backend = CeleryBackend("default", {"QUEUES": ["default"], "OPTIONS": {"BROKER_URL": nowhere}})
    monkeypatch.setattr(health, "_default_backend", lambda: backend)
    res = client.get("/healthz")
    assert res.status_code == 503
    assert res.json()["checks"]["tasks"]["ok"] is False
    assert res.json()["checks"]["tasks"]["error"] == "ConnectionError"
