"""Database expressions over a report's times, for the columns the database keeps from them
(``Report.created_month``, ``response_bucket``, ``resolution_bucket``) and the equity aggregates
that group on those columns (cocity.needs.equity).

Each has a PostgreSQL and a SQLite form; both are deterministic (PostgreSQL: immutable), as a
generated column requires. Durations are counted in the buckets of
``compute.equity.indicators.hour_bucket``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Expression, F, Func, IntegerField, Value, When
from django.db.models.lookups import LessThan

from cocity.compute.equity.indicators import HOURS_CAP, HOURS_FINE, HOURS_WEEK


class WholeHours(Func):
    """Whole hours from ``start`` to ``end`` (rounded down on PostgreSQL; on SQLite, towards
    zero), as an integer; NULL when either is NULL."""

    output_field = IntegerField()

    def __init__(self, start: Any, end: Any, **extra: Any) -> None:
        # end first: the templates subtract the second expression from the first
        super().__init__(end, start, **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # date_part of an interval: immutable, and exact to the hour over these spans
        return self.as_sql(
            compiler,
            connection,
            template="FLOOR(date_part('epoch', %(expressions)s) / 3600)::int",
            arg_joiner=" - ",
            **extra,
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # julianday's fractions of a day, rounded to whole seconds first (60 minutes are 3600
        # seconds, not 3599.99…)
        return self.as_sql(
            compiler,
            connection,
            template="CAST(round((julianday(%(expressions)s)) * 86400) AS INTEGER) / 3600",
            arg_joiner=") - julianday(",
            **extra,
        )


class MonthNumber(Func):
    """The UTC month of a date and time as one integer, ``year * 12 + month - 1``."""

    output_field = IntegerField()
    arity = 1

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        utc = "(%(expressions)s AT TIME ZONE 'UTC')"
        return self.as_sql(
            compiler,
            connection,
            template=f"(date_part('year', {utc}) * 12 + date_part('month', {utc}) - 1)::int",
            **extra,
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Django keeps SQLite's dates and times as UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]"
        return self.as_sql(
            compiler,
            connection,
            template=(
                "(CAST(substr(%(expressions)s, 1, 4) AS INTEGER) * 12 "
                "+ CAST(substr(%(expressions)s, 6, 2) AS INTEGER) - 1)"
            ),
            **extra,
        )


def month_number(year: int, month: int) -> int:
    """``MonthNumber`` in Python."""
    return year * 12 + month - 1


def hours_bucket(start: str, end: str) -> Expression:
    """``hour_bucket`` of the whole hours from field ``start`` to field ``end`` (a negative
    duration counts as 0); NULL while ``end`` is NULL."""
    hours = WholeHours(F(start), F(end))
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
        When(**{f"{end}__isnull": False}, then=Value(HOURS_CAP)),
        default=None,
        output_field=IntegerField(),
    )
