"""Every index of the tables a submission writes is a page each submission writes (bench/needs):
these tests keep the set to what the reads need, so an index added in passing shows up here."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def indexes(table: str) -> set[tuple[str, ...]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {
        tuple(info["columns"])
        for info in found.values()
        if (info["index"] or info["unique"]) and not info["primary_key"]
    }


def test_reports_carry_the_indexes_the_reads_need_and_no_more() -> None:
    assert indexes("needs_report") == {
        ("tracking_token",),  # unique: the resident's tracking link, Open311 tokens
        ("created_at",),  # Open311 date windows, the public list
        ("area_id",),  # the district filter
        ("category_id", "created_at"),  # one service over 90 days
        ("status", "created_at"),  # open or closed over a window
        ("department_id", "status"),  # the triage queue
        ("category_id", "h3_cell", "status", "lat", "lon"),  # nearby open reports at submission
        ("h3_cell", "lat", "lon"),  # the map's counts per cell
        ("reporter_id",),  # partial: a person's own reports
        ("duplicate_of_id",),  # partial: the duplicates of a report
    }


def test_audit_entries_carry_two_indexes() -> None:
    assert indexes("core_auditentry") == {("object_type", "object_id"), ("actor_id",)}
