"""Fixtures of the core tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _smaller_demo_city(monkeypatch: pytest.MonkeyPatch) -> None:
    """The core tests seed the demo city several times to check the command, not the reports
    or the sensors' history: 300 reports per scale and 21 days of hourly readings (not 90) keep
    them quick. tests/needs/test_seeders.py seeds the full default count of reports
    (``seeders.REPORTS``) and checks its distribution; tests/sensing/test_seeders.py checks the
    sensors' seeder."""
    from cocity.needs import seeders
    from cocity.sensing import seeders as sensing_seeders

    monkeypatch.setattr(seeders, "REPORTS", 300)
    monkeypatch.setattr(sensing_seeders, "DAYS", 21)
