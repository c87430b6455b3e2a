"""Fixtures of the core tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _smaller_demo_city(monkeypatch: pytest.MonkeyPatch) -> None:
    """The core tests seed the demo city several times to check the command, not the reports:
    300 reports per scale keep them quick. tests/needs/test_seeders.py seeds the full default
    count (``seeders.REPORTS``) and checks its distribution."""
    from cocity.needs import seeders

    monkeypatch.setattr(seeders, "REPORTS", 300)
