"""Helpers shared by the opinion tests (a uniquely named module, imported by path)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[3]
ORACLE_PYTHON = REPO / ".venv-oracles" / "reddwarf" / "bin" / "python"
ORACLE_SCRIPT = REPO / "tests" / "oracles" / "reddwarf_run.py"
DATA = Path(os.environ.get("COCITY_POLIS_DATA", REPO.parent / "shared" / "data" / "polis"))
CONVERSATIONS = sorted(p.name for p in DATA.iterdir() if p.is_dir()) if DATA.is_dir() else []
IN_CI = os.environ.get("CI", "").lower() == "true"


def missing(reason: str) -> None:
    """Skip locally; fail under CI=true (a missing oracle or data set must not pass in CI)."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required)")
    pytest.skip(reason)


def adjusted_rand_index(a: Any, b: Any) -> float:
    """Adjusted Rand index of two labellings (Hubert and Arabie)."""
    _, ai = np.unique(np.asarray(a), return_inverse=True)
    _, bi = np.unique(np.asarray(b), return_inverse=True)
    table = np.zeros((ai.max() + 1, bi.max() + 1))
    np.add.at(table, (ai, bi), 1)

    def pairs(x: Any) -> float:
        return float((np.asarray(x) * (np.asarray(x) - 1) / 2).sum())

    index, rows, cols = pairs(table), pairs(table.sum(1)), pairs(table.sum(0))
    expected = rows * cols / pairs([len(ai)])
    top = (rows + cols) / 2
    return 1.0 if top == expected else (index - expected) / (top - expected)
