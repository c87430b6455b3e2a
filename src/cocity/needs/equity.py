"""What needs contributes to the equity indicators (cocity.equity.sources): one aggregate pass
per measure, in the database, whatever the number of reports.

Counts per district and month (reports, open, resolved, resolved by the report's expected date),
distinct reporters in the window, and histograms of whole hours from submission to the first
status change (the first response) and to closing (resolution), from which equity takes medians.
Reports merged as duplicates count as reports (someone took the trouble) but not as resolutions.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db import connection

from cocity.needs.models import OPEN_STATUSES, Status

#: Hours are counted up to this many (90 days); anything longer lands in the last bucket.
HOURS_CAP = 24 * 90


def _month(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM')"
    return f"substr({column}, 1, 7)"


def _hours(start: str, end: str) -> str:
    if connection.vendor == "postgresql":
        return f"LEAST(FLOOR(EXTRACT(EPOCH FROM ({end} - {start})) / 3600), {HOURS_CAP})::int"
    return f"MIN(CAST((julianday({end}) - julianday({start})) * 24 AS INTEGER), {HOURS_CAP})"


def equity_counts(*, since: datetime, until: datetime) -> dict[str, Any]:
    open_list = ", ".join(f"'{s}'" for s in sorted(OPEN_STATUSES))
    series: dict[str, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    counts: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    month = _month("created_at")
    start = connection.ops.adapt_datetimefield_value(since)
    end = connection.ops.adapt_datetimefield_value(until)
    with connection.cursor() as cursor:
        # every report once: per district and month; open reports whatever their age
        cursor.execute(
            f"SELECT area_id, {month}, COUNT(*), "  # noqa: S608 — fixed SQL, values as params
            f"SUM(CASE WHEN status IN ({open_list}) THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN closed_at IS NOT NULL AND status <> %s THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN closed_at IS NOT NULL AND status <> %s "
            f"AND closed_at <= expected_at THEN 1 ELSE 0 END) "
            f"FROM needs_report WHERE area_id IS NOT NULL GROUP BY area_id, {month}",
            [Status.DUPLICATE, Status.DUPLICATE],
        )
        first, last = since.strftime("%Y-%m"), until.strftime("%Y-%m")
        for area, ym, n, n_open, resolved, in_time in cursor.fetchall():
            counts["open_reports"][area] += n_open or 0
            if first <= ym <= last:
                counts["reports"][area] += n
                counts["resolved"][area] += resolved or 0
                counts["resolved_in_time"][area] += in_time or 0
                series["reports"][area][ym] = n
                series["resolved"][area][ym] = resolved or 0
                series["resolved_in_time"][area][ym] = in_time or 0
        cursor.execute(
            "SELECT area_id, COUNT(DISTINCT reporter_id) FROM needs_report "
            "WHERE reporter_id IS NOT NULL AND area_id IS NOT NULL "
            "AND created_at >= %s AND created_at < %s GROUP BY area_id",
            [start, end],
        )
        for area, n in cursor.fetchall():
            counts["reporters"][area] += n
        cursor.execute(
            "SELECT area_id, COUNT(DISTINCT phone_hash) FROM needs_report "
            "WHERE phone_hash <> '' AND area_id IS NOT NULL "
            "AND created_at >= %s AND created_at < %s GROUP BY area_id",
            [start, end],
        )
        for area, n in cursor.fetchall():
            counts["reporters"][area] += n
        histograms: dict[str, dict[int, dict[int, int]]] = {}
        hours = _hours("created_at", "closed_at")
        cursor.execute(
            f"SELECT area_id, {hours}, COUNT(*) FROM needs_report "  # noqa: S608 — fixed SQL
            "WHERE closed_at IS NOT NULL AND status <> %s AND area_id IS NOT NULL "
            f"AND created_at >= %s AND created_at < %s GROUP BY area_id, {hours}",
            [Status.DUPLICATE, start, end],
        )
        histograms["hours_to_resolution"] = _histogram(cursor.fetchall())
        hours = _hours("r.created_at", "u.created_at")
        cursor.execute(
            f"SELECT r.area_id, {hours}, COUNT(*) FROM needs_reportupdate u "  # noqa: S608
            "JOIN needs_report r ON r.id = u.report_id "
            "WHERE u.old_status = %s AND u.new_status <> '' AND u.new_status <> %s "
            "AND r.area_id IS NOT NULL AND r.created_at >= %s AND r.created_at < %s "
            f"GROUP BY r.area_id, {hours}",
            [Status.SUBMITTED, Status.SUBMITTED, start, end],
        )
        histograms["hours_to_first_response"] = _histogram(cursor.fetchall())
    return {
        "counts": {k: dict(v) for k, v in counts.items()},
        "series": {k: {a: dict(m) for a, m in v.items()} for k, v in series.items()},
        "histograms": histograms,
        "open": [],
    }


def _histogram(rows: list[tuple[int, int, int]]) -> dict[int, dict[int, int]]:
    out: dict[int, dict[int, int]] = defaultdict(dict)
    for area, bucket, n in rows:
        key = max(int(bucket or 0), 0)
        out[area][key] = out[area].get(key, 0) + n
    return dict(out)
