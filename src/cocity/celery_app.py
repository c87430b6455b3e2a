"""The Celery application behind ``cocity.core.task_backends.CeleryBackend``.

Run a worker with ``celery -A cocity.celery_app worker -Q default``.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cocity.settings")


def make_app(url: str) -> Celery:
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
    )
    celery.task(name="cocity.run_task", track_started=True)(run_task)
    return celery


def run_task(module_path: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    import django

    django.setup()  # once per worker process; a no-op afterwards
    from django.utils.module_loading import import_string
    from django_tasks.utils import normalize_json

    task = import_string(module_path)
    return normalize_json(task.call(*args, **kwargs))


# the app `celery -A cocity.celery_app worker` finds
app = make_app(
    os.environ.get("COCITY_CELERY_BROKER")
    or os.environ.get("REDIS_URL")
    or "redis://127.0.0.1:6379/0"
)
