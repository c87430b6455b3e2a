"""A django-tasks backend that hands tasks to Celery (Redis as broker and result store).

For cities whose background work outgrows the database queue. Application code is unchanged —
it calls ``some_task.enqueue(...)`` — and the operator sets::

    COCITY_TASK_BACKEND=cocity.core.task_backends.CeleryBackend
    REDIS_URL=redis://redis:6379/0
    celery -A cocity.celery_app worker -Q default     # instead of `cocity worker`

Every task travels as (module path, JSON args, JSON kwargs) to one Celery task,
``cocity.run_task``, which imports the django-tasks ``Task`` and calls it.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.utils import timezone
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import Task, TaskError, TaskResult, TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist
from django_tasks.utils import normalize_json
from typing_extensions import ParamSpec

T = TypeVar("T")
P = ParamSpec("P")

KEY_PREFIX = "cocity:task:"
RESULT_TTL = 7 * 24 * 3600

_STATES = {
    "PENDING": TaskResultStatus.READY,
    "RECEIVED": TaskResultStatus.READY,
    "RETRY": TaskResultStatus.READY,
    "STARTED": TaskResultStatus.RUNNING,
    "SUCCESS": TaskResultStatus.SUCCESSFUL,
    "FAILURE": TaskResultStatus.FAILED,
    "REVOKED": TaskResultStatus.FAILED,
}


class CeleryBackend(BaseTaskBackend):
    supports_defer = True
    supports_get_result = True
    supports_priority = True

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
        from cocity.celery_app import make_app

        url = self.options.get("BROKER_URL") or settings.REDIS_URL or "redis://127.0.0.1:6379/0"
        self.app = make_app(url)

    def enqueue(self, task: Task[P, T], args: P.args, kwargs: P.kwargs) -> TaskResult[T]:  # type: ignore[valid-type]
        self.validate_task(task)
        task_id = str(uuid.uuid4())
        args_json, kwargs_json = normalize_json(list(args)), normalize_json(dict(kwargs))
        enqueued_at = timezone.now()
        # what the task is, kept beside Celery's own state so a waiting task can be described
        self.app.backend.client.set(
            f"{KEY_PREFIX}{task_id}",
            json.dumps([task.module_path, args_json, kwargs_json, enqueued_at.isoformat()]),
            ex=RESULT_TTL,
        )
        self.app.send_task(
            "cocity.run_task",
            args=[task.module_path, args_json, kwargs_json],
            task_id=task_id,
            queue=task.queue_name,
            eta=task.run_after,
            # django-tasks priorities run -100..100 (higher first); Redis transport uses 0..9
            priority=max(0, min(9, round((100 - task.priority) * 9 / 200))),
        )
        return TaskResult(
            task=task,
            id=task_id,
            status=TaskResultStatus.READY,
            enqueued_at=enqueued_at,
            started_at=None,
            finished_at=None,
            last_attempted_at=None,
            args=args_json,
            kwargs=kwargs_json,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )

    def get_result(self, result_id: str) -> TaskResult[Any]:
        from celery.result import AsyncResult
        from django.utils.module_loading import import_string

        raw = self.app.backend.client.get(f"{KEY_PREFIX}{result_id}")
        if raw is None:
            raise TaskResultDoesNotExist(result_id)
        module_path, args, kwargs, enqueued = json.loads(raw)
        found = AsyncResult(result_id, app=self.app)
        meta = found.backend.get_task_meta(result_id)
        status = _STATES.get(found.state, TaskResultStatus.READY)
        errors = []
        if status == TaskResultStatus.FAILED:
            errors.append(
                TaskError(
                    exception_class_path=type(found.result).__module__
                    + "."
                    + type(found.result).__qualname__,
                    traceback=found.traceback or "",
                )
            )
        result: TaskResult[Any] = TaskResult(
            task=import_string(module_path),
            id=result_id,
            status=status,
            enqueued_at=datetime.fromisoformat(enqueued),
            started_at=None,
            finished_at=_as_datetime(meta.get("date_done")),
            last_attempted_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=errors,
            worker_ids=[meta["worker"]] if meta.get("worker") else [],
        )
        if status == TaskResultStatus.SUCCESSFUL:
            object.__setattr__(result, "_return_value", found.result)
        return result


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
