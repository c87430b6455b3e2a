"""Jobs the scheduler tests run, by dotted path (``tests.core.schedule_probe.…``).

Not collected by pytest (no ``test_`` prefix). ``RUNS`` counts the runs of each job in this
process: the tests run the jobs in-process (immediate backend, or ``cocity worker --batch``)."""

from __future__ import annotations

import threading
from collections import Counter

RUNS: Counter[str] = Counter()
_lock = threading.Lock()


def count() -> str:
    with _lock:
        RUNS["count"] += 1
    return f"counted {RUNS['count']}"


def other() -> str:
    with _lock:
        RUNS["other"] += 1
    return "other ran"


def fail() -> str:
    with _lock:
        RUNS["fail"] += 1
    raise RuntimeError("the probe failed on purpose")
