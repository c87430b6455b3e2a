"""Tasks the Celery worker tests run (imported by module path, so on the worker's PYTHONPATH).

Not collected by pytest (no ``test_`` prefix)."""

from __future__ import annotations

import logging
import time

import redis
from django.core.mail import send_mail
from django_tasks import task

logger = logging.getLogger("cocity.probe")


@task()
def log_and_mail(marker: str) -> str:
    """Logs one line, prints one and sends one e-mail (no SMTP server: the log backend)."""
    logger.info("probe task ran %s", marker, extra={"marker": marker})
    print(f"printed by {marker}")
    send_mail(f"Probe {marker}", "A console e-mail.", None, ["someone@example.org"])
    return marker


@task()
def record(url: str, label: str, seconds: float = 0.0) -> str:
    """Marks itself started, works for ``seconds``, then records that it finished."""
    client = redis.Redis.from_url(url)
    client.set("probe:running", f"{label}@{time.time()}")
    time.sleep(seconds)
    client.rpush("probe:done", f"{label}@{time.time()}")
    client.delete("probe:running")
    return label
