"""What needs contributes to the equity indicators (cocity.equity.sources), in three grouped
queries whatever the number of reports, each a plain ORM aggregation on columns the database
keeps on the report (``created_month``, ``resolution_bucket``, ``response_bucket``: see
needs/models.py), so that each is one pass counting a few thousand groups:

1. every report once, per district, month of creation and time-to-close bucket: reports, open
   ones (need, whatever their age), resolved ones and those resolved by their expected date.
   Summed over the buckets, the monthly counts; summed over the window's months, the histogram
   of hours to resolution;
2. the answered reports of the window, per district and time-to-first-response bucket (a
   report's first response is when it first left "submitted");
3. distinct reporters in the window: accounts, and phone numbers (kept as keyed hashes).

Durations are counted in the buckets of ``compute.equity.indicators.hour_bucket``. Reports
merged as duplicates count as reports (someone took the trouble) but not as resolutions.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Q, Value
from django.db.models.functions import NullIf

from cocity.needs.durations import month_number
from cocity.needs.models import OPEN_STATUSES, Report, Status


def equity_counts(*, since: datetime, until: datetime) -> dict[str, Any]:
    counts: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    series: dict[str, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    resolution: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    # the window's months (by the reports' UTC month, as created_month counts them)
    first, last = month_number(since.year, since.month), month_number(until.year, until.month)
    names = {m: f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, last + 1)}
    closed = Q(closed_at__isnull=False) & ~Q(status=Status.DUPLICATE)
    located = Report.objects.filter(area__isnull=False)

    by_month = (
        located.values("area_id", "created_month", "resolution_bucket")
        .annotate(
            n=Count("pk"),
            open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
            resolved=Count("pk", filter=closed & Q(closed_at__gte=F("created_at"))),
            in_time=Count("pk", filter=closed & Q(closed_at__lte=F("expected_at"))),
        )
        .order_by()
    )
    for row in by_month:
        area, month = row["area_id"], names.get(row["created_month"])
        counts["open_reports"][area] += row["open"]
        if month is None:  # created before the window: counted only as an open report
            continue
        n, n_resolved, in_time = row["n"], row["resolved"], row["in_time"]
        counts["reports"][area] += n
        if n_resolved:
            counts["resolved"][area] += n_resolved
        counts["resolved_in_time"][area] += in_time
        monthly = series["reports"][area]
        monthly[month] = monthly.get(month, 0) + n
        monthly = series["resolved"][area]
        monthly[month] = monthly.get(month, 0) + n_resolved
        monthly = series["resolved_in_time"][area]
        monthly[month] = monthly.get(month, 0) + in_time
        if n_resolved:
            resolution[area][row["resolution_bucket"]] += n_resolved

    first_response: dict[int, dict[int, int]] = defaultdict(dict)
    answered = (
        located.filter(created_at__gte=since, created_at__lt=until, response_bucket__isnull=False)
        .values("area_id", "response_bucket")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in answered:
        first_response[row["area_id"]][row["response_bucket"]] = row["n"]

    reporters = (
        Report.objects.filter(area__isnull=False, created_at__gte=since, created_at__lt=until)
        .filter(Q(reporter__isnull=False) | ~Q(phone_hash=""))
        .values("area_id")
        .annotate(
            accounts=Count("reporter", distinct=True),
            phones=Count(NullIf("phone_hash", Value("")), distinct=True),
        )
        .order_by()
    )
    for row in reporters:
        counts["reporters"][row["area_id"]] += row["accounts"] + row["phones"]
    return {
        "counts": {k: dict(v) for k, v in counts.items()},
        "series": {k: {a: dict(m) for a, m in v.items()} for k, v in series.items()},
        "histograms": {
            "hours_to_resolution": {a: dict(h) for a, h in resolution.items()},
            "hours_to_first_response": dict(first_response),
        },
        "open": [],
    }
