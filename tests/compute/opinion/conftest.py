"""Shared fixtures: the Polis conversations and red-dwarf (the oracle), run once per conversation.

The oracle runs in its own virtualenv, ``<repo>/.venv-oracles/reddwarf`` (built from
tests/oracles/reddwarf.txt). When it is missing the oracle tests are skipped locally and FAIL
under ``CI=true``. The conversations are read from ``$COCITY_POLIS_DATA`` or
``<repo>/../shared/data/polis``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from opinion_support import CONVERSATIONS, DATA, ORACLE_PYTHON, ORACLE_SCRIPT, missing


@pytest.fixture(scope="session")
def polis_data() -> Path:
    if not CONVERSATIONS:
        missing(f"Polis conversations not found in {DATA}")
    return DATA


class Oracle:
    """Runs red-dwarf on every conversation in the background (two at a time), caches JSON."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=2)
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        env["MKL_NUM_THREADS"] = "1"
        self._futures: dict[str, Future[dict[str, Any]]] = {
            name: self._pool.submit(self._run, name, env) for name in CONVERSATIONS
        }

    @staticmethod
    def _run(name: str, env: dict[str, str]) -> dict[str, Any]:
        proc = subprocess.run(
            [str(ORACLE_PYTHON), "-W", "ignore", str(ORACLE_SCRIPT), str(DATA / name)],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"red-dwarf failed on {name}:\n{proc.stderr[-2000:]}")
        result: dict[str, Any] = json.loads(proc.stdout)
        return result

    def __call__(self, name: str) -> dict[str, Any]:
        return self._futures[name].result()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


@pytest.fixture(scope="session")
def reddwarf(polis_data: Path) -> Any:
    """``reddwarf(name)`` → red-dwarf's results for a conversation (see reddwarf_run.py)."""
    if not ORACLE_PYTHON.exists():
        missing(
            f"oracle virtualenv missing: {ORACLE_PYTHON} "
            "(python -m venv + pip install -r tests/oracles/reddwarf.txt)"
        )
    oracle = Oracle()
    yield oracle
    oracle.close()


@pytest.fixture(scope="session")
def analysed(polis_data: Path) -> Callable[[str, str], Any]:
    """``analysed(name, mode)`` → (export, fitted OpinionAnalysis), cached per session."""
    from cocity.compute.opinion import OpinionAnalysis, read_polis_export

    cache: dict[tuple[str, str], Any] = {}

    def get(name: str, mode: str = "compatible") -> Any:
        if (name, mode) not in cache:
            export = read_polis_export(polis_data / name)
            model = OpinionAnalysis(mode=mode).fit(export.votes, export.moderated_out, export.meta)
            cache[(name, mode)] = (export, model)
        return cache[(name, mode)]

    return get
