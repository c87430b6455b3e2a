"""A django-tasks backend that hands tasks to Celery (Redis as broker and result store).

For cities whose background work outgrows the database queue. Application code is unchanged —
it calls ``some_task.enqueue(...)`` — and the operator sets::

    COCITY_TASK_BACKEND=cocity.core.task_backends.CeleryBackend
    COCITY_CELERY_BROKER=redis://redis:6379/1      # default: REDIS_URL
    celery -A cocity.celery_app --quiet worker -Q default   # instead of `cocity worker`

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
#: kombu's Redis transport keeps one list per priority level: "default", "default\x06\x163"…
PRIORITY_STEPS = (0, 3, 6, 9)
PRIORITY_SEP = "\x06\x16"

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

        # the one broker setting the worker (cocity.celery_app) reads too
        self.app = make_app(self.options.get("BROKER_URL") or settings.COCITY_CELERY_BROKER)
        self._broker: Any = None

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

    def health(self, *, max_age: int) -> dict[str, object]:
        """What /healthz reports for this backend, read from the broker's Redis.

        ``waiting``: messages in the queues (every priority level); ``oldest_age_seconds``: how
        long the message next in line has waited (since it was enqueued, or since its run_after);
        ``held``: messages taken by workers and not yet acknowledged (running or deferred);
        ``workers``: workers whose heartbeat is recent. Not ok when the next message has
        waited longer than ``max_age`` seconds, or when messages wait and no worker is alive."""
        import redis

        from cocity.celery_app import HEARTBEAT_INTERVAL, HEARTBEAT_KEY

        if self._broker is None:
            self._broker = redis.Redis.from_url(  # a health check answers in seconds
                self.app.conf.broker_url, socket_connect_timeout=2, socket_timeout=2
            )
        client = self._broker
        now = timezone.now()
        lists = [
            queue if step == 0 else f"{queue}{PRIORITY_SEP}{step}"
            for queue in self.queues
            for step in PRIORITY_STEPS
        ]
        pipe = client.pipeline(transaction=False)
        for name in lists:
            pipe.llen(name)
            pipe.lindex(name, -1)  # kombu pushes on the left and takes from the right
        pipe.hlen("unacked")
        pipe.zcount(HEARTBEAT_KEY, now.timestamp() - 3 * HEARTBEAT_INTERVAL, "+inf")
        *per_list, held, workers = pipe.execute()
        waiting = sum(per_list[0::2])
        since = [s for s in (self._waiting_since(raw) for raw in per_list[1::2]) if s]
        age = max((int((now - s).total_seconds()) for s in since), default=0)
        age = max(age, 0)  # a message due in the future has not waited yet
        stale = age > max_age
        return {
            "ok": not stale and (workers > 0 or waiting == 0),
            "waiting": waiting,
            "oldest_age_seconds": age,
            "max_age_seconds": max_age,
            "stale": stale,
            "held": held,
            "workers": workers,
        }

    def _waiting_since(self, raw: bytes | None) -> datetime | None:
        if raw is None:
            return None
        try:
            headers = json.loads(raw).get("headers") or {}
            record = self._broker.get(f"{KEY_PREFIX}{headers.get('id')}")
            since = datetime.fromisoformat(json.loads(record)[3]) if record else None
        except (ValueError, KeyError, IndexError, TypeError):
            return None
        eta = _as_datetime(headers.get("eta"))
        if eta is not None and (since is None or eta > since):
            since = eta
        return since


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
