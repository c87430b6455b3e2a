"""The Celery/Redis task backend, over a real Redis and a real Celery worker process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django_tasks.base import TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist

from cocity.core import tasks

BROKER = "redis://127.0.0.1:6379/14"

pytestmark = pytest.mark.service


@pytest.fixture
def celery_backend(require_service: Any, tmp_path: Path) -> Iterator[Any]:
    require_service("redis")
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    from cocity.core.task_backends import CeleryBackend

    backend = CeleryBackend("default", {"QUEUES": ["default"], "OPTIONS": {"BROKER_URL": BROKER}})
    env = {**os.environ, "COCITY_CELERY_BROKER": BROKER, "COCITY_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cocity.celery_app",
            "worker",
            "-Q",
            "default",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield backend
    finally:
        worker.terminate()
        worker.communicate(timeout=30)


def _wait(backend: Any, result_id: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = backend.get_result(result_id)
        if result.status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED):
            return result
        time.sleep(0.2)
    raise AssertionError("the Celery worker did not finish the task in time")


def test_celery_worker_runs_enqueued_tasks_and_reports_results(celery_backend: Any) -> None:
    result = celery_backend.enqueue(tasks.ping, [], {})
    assert result.status == TaskResultStatus.READY
    done = _wait(celery_backend, result.id)
    assert done.status == TaskResultStatus.SUCCESSFUL
    assert done.return_value == "pong"
    assert done.task.module_path == "cocity.core.tasks.ping"
    assert done.finished_at is not None
    assert done.enqueued_at is not None
    failing = celery_backend.enqueue(tasks.ping, ["unexpected"], {})
    failed = _wait(celery_backend, failing.id)
    assert failed.status == TaskResultStatus.FAILED
    assert failed.errors[0].exception_class_path.endswith("TypeError")
    with pytest.raises(TaskResultDoesNotExist):
        celery_backend.get_result("no-such-task")
