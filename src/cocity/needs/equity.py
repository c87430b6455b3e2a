"""What needs contributes to the equity indicators (cocity.equity.sources), in four grouped
queries whatever the number of reports, each a plain ORM aggregation:

1. every report once, per district, with conditional counts: open ones (need, whatever their
   age) and, for each month of the window, reports, resolved ones and those resolved by their
   expected date;
2. the resolved reports of the window's months, per district and time-to-close bucket: the
   histogram of hours to resolution, whose buckets the database counts;
3. the answered reports of the window: the histogram of hours from a report to its first
   response (``Report.first_response_at``, when it first left "submitted");
4. distinct reporters in the window: accounts, and phone numbers (kept as keyed hashes).

Durations are counted in the buckets of ``compute.equity.indicators.hour_bucket``. Reports
merged as duplicates count as reports (someone took the trouble) but not as resolutions.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from django.db.models import Case, Count, Expression, F, Func, IntegerField, Q, Value, When
from django.db.models.functions import Least, NullIf
from django.db.models.lookups import GreaterThanOrEqual, LessThan

from cocity.compute.equity.indicators import HOURS_CAP, HOURS_FINE, HOURS_WEEK
from cocity.needs.models import OPEN_STATUSES, Report, Status


class WholeHours(Func):
    """Whole hours from ``start`` to ``end`` (rounded down on PostgreSQL, towards zero on
    SQLite), as an integer."""

    output_field = IntegerField()

    def __init__(self, start: Any, end: Any) -> None:
        # end first: the templates subtract the second expression from the first
        super().__init__(end, start)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # date_part's double precision, not EXTRACT's numeric: much cheaper per row, and exact
        # to the hour over these spans
        return self.as_sql(
            compiler,
            connection,
            template="FLOOR(date_part('epoch', %(expressions)s) / 3600)::int",
            arg_joiner=" - ",
            **extra,
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST((julianday(%(expressions)s)) * 24 AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


def _hours(start: str, end: str) -> Expression:
    return Least(WholeHours(F(start), F(end)), Value(HOURS_CAP))


def _bucket(hours: Expression) -> Case:
    """``compute.equity.indicators.hour_bucket`` in the database."""
    return Case(
        When(LessThan(hours, 0), then=Value(0)),
        When(LessThan(hours, HOURS_FINE), then=hours),
        When(
            LessThan(hours, HOURS_WEEK),
            then=Value(HOURS_FINE) + (hours - Value(HOURS_FINE)) / Value(6) * Value(6),
        ),
        When(
            LessThan(hours, HOURS_CAP),
            then=Value(HOURS_WEEK) + (hours - Value(HOURS_WEEK)) / Value(24) * Value(24),
        ),
        default=Value(HOURS_CAP),
        output_field=IntegerField(),
    )


def _month_start(year: int, month: int) -> datetime:
    return datetime(year + (month - 1) // 12, (month - 1) % 12 + 1, 1, tzinfo=UTC)


def equity_counts(*, since: datetime, until: datetime) -> dict[str, Any]:
    counts: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    series: dict[str, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    # the reports of the window's months (by their UTC month, as the series count them)
    months = Q(
        created_at__gte=_month_start(since.year, since.month),
        created_at__lt=_month_start(until.year, until.month + 1),
    )
    closed = Q(closed_at__isnull=False) & ~Q(status=Status.DUPLICATE)
    resolved = closed & GreaterThanOrEqual(_hours("created_at", "closed_at"), 0)
    located = Report.objects.filter(area__isnull=False)

    # one pass over the reports, grouped by district only (a hash of a hundred groups, no sort):
    # each month's figures are conditional counts
    starts = []
    year, month = since.year, since.month
    while (year, month) <= (until.year, until.month):
        starts.append(_month_start(year, month))
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    names = [m.strftime("%Y-%m") for m in starts]
    bounds = list(zip(starts, [*starts[1:], _month_start(year, month)], strict=True))
    figures: dict[str, Any] = {"open": Count("pk", filter=Q(status__in=OPEN_STATUSES))}
    for i, (low, high) in enumerate(bounds):
        # the month first: the other conditions are only evaluated for its reports
        within = Q(created_at__gte=low, created_at__lt=high)
        figures[f"reports_{i}"] = Count("pk", filter=within)
        figures[f"resolved_{i}"] = Count("pk", filter=within & resolved)
        figures[f"in_time_{i}"] = Count(
            "pk", filter=within & closed & Q(closed_at__lte=F("expected_at"))
        )
    for row in located.values("area_id").annotate(**figures).order_by():
        area = row["area_id"]
        counts["open_reports"][area] += row["open"]
        for i, ym in enumerate(names):
            n = row[f"reports_{i}"]
            if not n:  # a month without reports has no figures, as a district without any
                continue
            n_resolved, in_time = row[f"resolved_{i}"], row[f"in_time_{i}"]
            counts["reports"][area] += n
            if n_resolved:
                counts["resolved"][area] += n_resolved
            counts["resolved_in_time"][area] += in_time
            series["reports"][area][ym] = n
            series["resolved"][area][ym] = n_resolved
            series["resolved_in_time"][area][ym] = in_time

    resolution: dict[int, dict[int, int]] = defaultdict(dict)
    by_bucket = (
        located.filter(months, resolved)
        .annotate(b=_bucket(_hours("created_at", "closed_at")))
        .values("area_id", "b")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in by_bucket:
        resolution[row["area_id"]][row["b"]] = row["n"]

    first_response: dict[int, dict[int, int]] = defaultdict(dict)
    answered = (
        located.filter(created_at__gte=since, created_at__lt=until, first_response_at__isnull=False)
        .annotate(b=_bucket(_hours("created_at", "first_response_at")))
        .values("area_id", "b")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in answered:
        first_response[row["area_id"]][row["b"]] = row["n"]

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
