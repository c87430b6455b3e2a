"""Where the shared Pabulib files are. A module of its own name: ``from conftest import`` would
find whichever test folder's conftest.py came first on sys.path (the opinion tests have one too)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parents[4] / "shared" / "data" / "pabulib"
FILES = sorted(p.name for p in DATA.glob("*.pb"))
