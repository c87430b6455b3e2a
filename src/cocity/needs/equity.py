"""What needs contributes to the equity indicators (cocity.equity.sources), in three aggregate
queries whatever the number of reports:

1. every report once, per district, month and time-to-close bucket: reports, open ones (need,
   whatever their age), resolved ones, those resolved by their expected date, and the
   histogram of hours to resolution;
2. the first answers (a report's first status change out of "submitted"), joined to their
   reports: the histogram of hours to the first response;
3. distinct reporters in the window: accounts, and phone numbers (kept as keyed hashes).

Durations are counted in the buckets of ``compute.equity.indicators.hour_bucket``. Reports
merged as duplicates count as reports (someone took the trouble) but not as resolutions.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db import connection

from cocity.compute.equity.indicators import HOURS_CAP, hour_bucket, hour_bucket_sql
from cocity.needs.models import OPEN_STATUSES, Status


def _month(column: str) -> str:
    if connection.vendor == "postgresql":
        # date_trunc, not to_char: much cheaper per row; the month is named in Python
        return f"date_trunc('month', {column} AT TIME ZONE 'UTC')"
    return f"substr({column}, 1, 7)"


def _hours(start: str, end: str) -> str:
    if connection.vendor == "postgresql":
        return f"LEAST(FLOOR(EXTRACT(EPOCH FROM ({end} - {start})) / 3600), {HOURS_CAP})::int"
    return f"MIN(CAST((julianday({end}) - julianday({start})) * 24 AS INTEGER), {HOURS_CAP})"


def equity_counts(*, since: datetime, until: datetime) -> dict[str, Any]:
    # keeps SQLite from flattening the inner queries (it would compute the hours per mention)
    no_flatten = " LIMIT -1" if connection.vendor == "sqlite" else ""
    open_list = ", ".join(f"'{s}'" for s in sorted(OPEN_STATUSES))
    counts: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    series: dict[str, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    resolution: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    start = connection.ops.adapt_datetimefield_value(since)
    end = connection.ops.adapt_datetimefield_value(until)
    first, last = since.strftime("%Y-%m"), until.strftime("%Y-%m")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT area_id, ym, b, COUNT(*), SUM(o), SUM(t) FROM ("  # noqa: S608 — fixed SQL
            f"SELECT area_id, {_month('created_at')} AS ym, "
            f"CASE WHEN closed_at IS NULL OR status = %s THEN -1 ELSE h END AS b, "
            f"CASE WHEN status IN ({open_list}) THEN 1 ELSE 0 END AS o, "
            "CASE WHEN closed_at IS NOT NULL AND status <> %s AND closed_at <= expected_at "
            "THEN 1 ELSE 0 END AS t "
            f"FROM (SELECT area_id, created_at, closed_at, expected_at, status, "
            f"{_hours('created_at', 'closed_at')} AS h FROM needs_report "
            f"WHERE area_id IS NOT NULL{no_flatten}) r{no_flatten}) q GROUP BY area_id, ym, b",
            [Status.DUPLICATE, Status.DUPLICATE],
        )
        for area, month_start, hours, n, n_open, in_time in cursor.fetchall():
            ym = month_start if isinstance(month_start, str) else month_start.strftime("%Y-%m")
            counts["open_reports"][area] += n_open or 0
            if not first <= ym <= last:
                continue
            counts["reports"][area] += n
            counts["resolved_in_time"][area] += in_time or 0
            month = series["reports"][area]
            month[ym] = month.get(ym, 0) + n
            done = series["resolved"][area]
            done.setdefault(ym, 0)
            timely = series["resolved_in_time"][area]
            timely[ym] = timely.get(ym, 0) + (in_time or 0)
            if hours is not None and hours >= 0:
                counts["resolved"][area] += n
                done[ym] += n
                resolution[area][hour_bucket(int(hours))] += n
        cursor.execute(
            "SELECT area_id, COUNT(DISTINCT reporter_id), COUNT(DISTINCT NULLIF(phone_hash, '')) "
            "FROM needs_report WHERE area_id IS NOT NULL "
            "AND (reporter_id IS NOT NULL OR phone_hash <> '') "
            "AND created_at >= %s AND created_at < %s GROUP BY area_id",
            [start, end],
        )
        for area, accounts, phones in cursor.fetchall():
            counts["reporters"][area] += accounts + phones
        bucket = hour_bucket_sql("h")
        cursor.execute(
            f"SELECT area_id, {bucket} AS b, COUNT(*) FROM ("  # noqa: S608 — fixed SQL
            f"SELECT r.area_id AS area_id, {_hours('r.created_at', 'u.created_at')} AS h "
            "FROM needs_reportupdate u JOIN needs_report r ON r.id = u.report_id "
            "WHERE u.old_status = %s AND u.new_status <> '' AND u.new_status <> %s "
            f"AND r.area_id IS NOT NULL AND r.created_at >= %s AND r.created_at < %s{no_flatten}"
            f") q GROUP BY area_id, {bucket}",
            [Status.SUBMITTED, Status.SUBMITTED, start, end],
        )
        first_response: dict[int, dict[int, int]] = defaultdict(dict)
        for area, b, n in cursor.fetchall():
            first_response[area][int(b)] = n
    return {
        "counts": {k: dict(v) for k, v in counts.items()},
        "series": {k: {a: dict(m) for a, m in v.items()} for k, v in series.items()},
        "histograms": {
            "hours_to_resolution": {a: dict(h) for a, h in resolution.items()},
            "hours_to_first_response": dict(first_response),
        },
        "open": [],
    }
