"""The columns the database keeps from a report's times (needs/durations.py) agree with their
definitions in Python, on whichever database the suite runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cocity.compute.equity.indicators import HOURS_CAP, hour_bucket
from cocity.needs.durations import month_number
from cocity.needs.models import Report

pytestmark = pytest.mark.django_db


def test_month_and_hour_buckets_are_computed_by_the_database(
    submit: Callable[..., Report],
) -> None:
    report = submit()
    start = datetime(2026, 1, 31, 23, 30, 15, 500000, tzinfo=UTC)
    minutes = [-150, -30, 0, 59, 60, 61, 47 * 60 + 59, 48 * 60, 53 * 60 + 59, 54 * 60]
    minutes += [167 * 60, 168 * 60, 191 * 60 + 59, 192 * 60, 2159 * 60 + 59, 2160 * 60, 9999 * 60]
    for m in minutes:
        end = start + timedelta(minutes=m)
        Report.objects.filter(pk=report.pk).update(
            created_at=start, first_response_at=end, closed_at=None
        )
        report.refresh_from_db()
        whole = int(m // 60) if m >= 0 else -int(-m // 60)  # a duration's whole hours
        expected = min(hour_bucket(whole), HOURS_CAP)
        assert (m, report.response_bucket) == (m, expected)
        assert report.resolution_bucket is None  # not closed: no duration yet
    for when in (start, start + timedelta(minutes=30), datetime(2026, 12, 31, 23, 59, tzinfo=UTC)):
        Report.objects.filter(pk=report.pk).update(created_at=when)
        report.refresh_from_db()
        assert report.created_month == month_number(when.year, when.month)
    assert month_number(2026, 1) + 1 == month_number(2026, 2)
    assert month_number(2026, 12) + 1 == month_number(2027, 1)


def test_buckets_follow_the_write_path(needs: dict[str, Any], submit: Callable[..., Any]) -> None:
    from cocity.needs import services
    from cocity.needs.models import Status

    report = submit()
    assert (report.response_bucket, report.resolution_bucket) == (None, None)
    services.report_change_status(
        report=report, status=Status.FIXED, actor=needs["users"]["official"]
    )
    report.refresh_from_db()
    assert report.response_bucket == 0
    assert report.resolution_bucket == 0
