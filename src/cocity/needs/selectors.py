"""Reads of the needs app."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import h3
from django.core.cache import cache
from django.db import NotSupportedError
from django.db.models import CharField, Count, F, Func, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cocity.core import selectors as core_selectors
from cocity.core.models import Area, User, in_language
from cocity.needs.geo import cells_within, haversine_m
from cocity.needs.models import (
    H3_RESOLUTION,
    OPEN_STATUSES,
    Open311Key,
    Report,
    ReportPhoto,
    ReportUpdate,
    ResponseTemplate,
    ServiceCategory,
    SubmissionKey,
    open311_key_hash,
)

DUPLICATE_RADIUS_M = 250.0
# a degree of latitude never spans fewer metres than this (110.57 km at the equator)
_M_PER_DEGREE = 110_000.0


def category_list(*, active_only: bool = True) -> QuerySet[ServiceCategory]:
    qs = ServiceCategory.objects.select_related("department").order_by("group", "name")
    return qs.filter(active=True) if active_only else qs


def category_by_code(code: str) -> ServiceCategory | None:
    return category_list().filter(code=code).first()


def _reports(*related: str) -> QuerySet[Report]:
    # the area's polygon and demographics are large JSON nobody reads from a report
    return Report.objects.select_related(
        *(related or ("category", "area", "department", "reporter"))
    ).defer("area__boundary", "area__demographics")


def report_list(
    *,
    category: str = "",
    area: str = "",
    status: str = "",
    department_ids: list[int] | None = None,
) -> QuerySet[Report]:
    """Reports newest first. ``status`` is a cocity status, or ``open``/``closed``."""
    qs = _reports().order_by("-created_at", "-id")
    if category:
        qs = qs.filter(category__code=category)
    if area:
        qs = qs.filter(area__code=area)
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status == "closed":
        qs = qs.exclude(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if department_ids is not None:
        qs = qs.filter(department_id__in=department_ids)
    return qs


def report_photos(report: Report) -> QuerySet[ReportPhoto]:
    return ReportPhoto.objects.filter(report=report).order_by("position")


def photo_urls(reports: Iterable[Report | int]) -> dict[int, list[str]]:
    """Each report's photo URLs (relative to the site), in one query."""
    urls: dict[int, list[str]] = {}
    rows = ReportPhoto.objects.filter(report_id__in=_ids(reports)).order_by("report_id", "position")
    for photo in rows:
        urls.setdefault(photo.report_id, []).append(photo.image.url)
    return urls


def response_templates(*, language: str | None = None) -> QuerySet[ResponseTemplate]:
    """Ready-made answers, in one language when given."""
    qs = ResponseTemplate.objects.order_by("language", "title", "id")
    return qs.filter(language=language) if language else qs


def response_template_text(code: str) -> str:
    """The text of answer ``code`` in the active language, else in any language ("" if
    unknown)."""
    if not code:
        return ""
    rows = {t.language: t.text for t in ResponseTemplate.objects.filter(code=code)}
    return in_language(rows, next(iter(rows.values()), ""))


def report_get(pk: Any) -> Report | None:
    try:
        return _reports().filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def report_by_token(token: str) -> Report | None:
    return _reports().filter(tracking_token=token).first() if token else None


def submission_key(*, scope: str, key: str) -> SubmissionKey | None:
    """The idempotency key or one-time form token already used, with its report."""
    if not key:
        return None
    return SubmissionKey.objects.select_related("report").filter(scope=scope, key=key).first()


def report_for_submission(*, scope: str, key: str) -> Report | None:
    """The report already filed with this idempotency key or one-time form token."""
    row = submission_key(scope=scope, key=key)
    return row.report if row is not None else None


def report_timeline(*, report: Report, include_internal: bool = False) -> QuerySet[ReportUpdate]:
    qs = ReportUpdate.objects.filter(report=report).select_related("author")
    return qs if include_internal else qs.filter(public=True)


def report_merged_into(report: Report) -> list[int]:
    """The numbers of the reports merged into this one as its duplicates."""
    return list(report.duplicates.order_by("pk").values_list("pk", flat=True))


def is_supporter(*, report: Report, user: User) -> bool:
    return user.is_authenticated and report.supports.filter(user=user).exists()


def is_follower(*, report: Report, user: User) -> bool:
    return user.is_authenticated and report.follows.filter(user=user).exists()


@dataclass(frozen=True)
class Nearby:
    report: Report
    distance_m: float


def reports_nearby_open(
    *,
    category: ServiceCategory,
    lat: float,
    lon: float,
    radius_m: float = DUPLICATE_RADIUS_M,
    exclude_id: int | None = None,
) -> list[Nearby]:
    """Open reports of the same category within ``radius_m``, nearest first.

    Candidates come from the h3 cells around the point (an indexed lookup), then the exact
    great-circle distance decides; so the answer is explainable: "same category, open, N m away"."""
    cells = cells_within(lat, lon, radius_m)
    # the (category, h3_cell, status, lat, lon) index alone gives the open reports of those
    # cells and their points (a filter on lat/lon here would tempt the planners into the
    # (h3_cell, lat, lon) index, all categories); merged duplicates drop out with the full rows
    candidates = Report.objects.filter(
        category=category, h3_cell__in=cells, status__in=OPEN_STATUSES
    )
    if exclude_id is not None:
        candidates = candidates.exclude(pk=exclude_id)
    # distances from bare (id, lat, lon) tuples; full rows only for the few within the radius
    distances = {
        pk: d
        for pk, r_lat, r_lon in candidates.order_by().values_list("pk", "lat", "lon")
        if (d := haversine_m(lat, lon, r_lat, r_lon)) <= radius_m
    }
    if not distances:
        return []
    # all of the one category asked about: its row is not read again for each of them
    rows = _reports("area", "department", "reporter").filter(
        pk__in=list(distances), duplicate_of=None
    )
    found = []
    for report in rows.order_by():
        report.category = category
        found.append(Nearby(report, distances[report.pk]))
    return sorted(found, key=lambda n: (n.distance_m, n.report.pk))


def triage_queue(
    *, user: User, category: str = "", area: str = "", status: str = "open"
) -> QuerySet[Report]:
    """The reports an official answers: their departments' (all for admins), oldest first."""
    department_ids = None
    if not user.has_perm("core.manage_departments"):
        department_ids = list(user.departments.values_list("pk", flat=True))
    qs = report_list(category=category, area=area, status=status, department_ids=department_ids)
    return qs.order_by("created_at", "id")


# a viewport needing more cells than this is counted from the coordinates alone (the whole city
# zoomed out); 2,000 resolution-9 cells are about 200 km²
MAX_VIEWPORT_CELLS = 2000


def _cells_covering_box(west: float, south: float, east: float, north: float) -> list[str] | None:
    """Every resolution-9 cell that may hold a point of the box, or None when there would be
    more than ``MAX_VIEWPORT_CELLS``.

    A cell touching the box has its centre within one circumradius (its edge length, at most
    the bound ``cells_within`` uses) of the box, so the cells whose centres lie in the box
    grown by that much are a superset."""
    pad_m = h3.average_hexagon_edge_length(H3_RESOLUTION, "m") * 1.25
    pad_lat = pad_m / _M_PER_DEGREE
    coslat = max(math.cos(math.radians(min(89.0, max(abs(south), abs(north)) + pad_lat))), 1e-3)
    pad_lon = pad_lat / coslat
    south, north = max(-90.0, south - pad_lat), min(90.0, north + pad_lat)
    west, east = west - pad_lon, east + pad_lon
    if west < -180 or east > 180:
        return None  # across the antimeridian: not a city's viewport
    box_km2 = (north - south) * (east - west) * coslat * (_M_PER_DEGREE / 1000) ** 2 * 1.03
    if box_km2 / h3.average_hexagon_area(H3_RESOLUTION, "km^2") > MAX_VIEWPORT_CELLS:
        return None
    shape = h3.LatLngPoly([(south, west), (south, east), (north, east), (north, west)])
    return [str(c) for c in h3.polygon_to_cells(shape, H3_RESOLUTION)]


def report_cells(
    *,
    bbox: tuple[float, float, float, float],
    category: str = "",
    status: str = "",
) -> list[dict[str, Any]]:
    """Report counts per h3 cell for a map viewport (west, south, east, north): the reports
    inside the box, counted by the cell they lie in.

    The cells that can touch the box narrow the scan to their entries of the (h3_cell, lat,
    lon) index, which answers the count by itself."""
    west, south, east, north = bbox
    qs = report_list(category=category, status=status).filter(
        lat__gte=south, lat__lte=north, lon__gte=west, lon__lte=east
    )
    cells = _cells_covering_box(west, south, east, north)
    if cells is not None:
        qs = qs.filter(h3_cell__in=cells)
    rows = qs.order_by().values("h3_cell").annotate(count=Count("*")).order_by("h3_cell")
    return [{"cell": r["h3_cell"], "count": r["count"]} for r in rows]


# the map shows reports one by one when at most this many match in its view; more, and it
# shows the counts per cell instead
POINTS_LIMIT = 500


@dataclass(frozen=True, order=True)
class ReportPoint:
    """What the map shows of a report: no text, no person, only where and in which state."""

    id: int
    lat: float
    lon: float
    status: str
    category_id: int


def report_points(
    qs: QuerySet[Report],
    *,
    bbox: tuple[float, float, float, float] | None = None,
    cells: list[str] | None = None,
    limit: int | None = None,
) -> tuple[list[ReportPoint], bool]:
    """The reports of ``qs`` inside ``bbox`` (west, south, east, north) and/or the resolution-9
    ``cells``, by number, and whether more than ``limit`` (``POINTS_LIMIT``) matched (then the
    list is empty: a map cannot honestly show an arbitrary part of them).

    No ordering in the query, so the database stops at ``limit + 1`` rows however many match;
    a box of a city's size is narrowed to its cells' entries of the (h3_cell, lat, lon) index."""
    if bbox is not None:
        west, south, east, north = bbox
        qs = qs.filter(lat__gte=south, lat__lte=north, lon__gte=west, lon__lte=east)
        if cells is None:
            cells = _cells_covering_box(west, south, east, north)
    if cells is not None:
        qs = qs.filter(h3_cell__in=cells)
    limit = POINTS_LIMIT if limit is None else limit
    rows = list(qs.order_by().values_list("id", "lat", "lon", "status", "category_id")[: limit + 1])
    if len(rows) > limit:
        return [], True
    return sorted(ReportPoint(*row) for row in rows), False


def category_labels() -> dict[int, tuple[str, str]]:
    """Every category's (code, name in the reader's language) by id, in one query."""
    return {c.pk: (c.code, c.label) for c in ServiceCategory.objects.order_by()}


# --- the submission path ----------------------------------------------------------------------


def open311_key_valid(key: str) -> Open311Key | None:
    """The active Open311 key with this value, or None."""
    if not key:
        return None
    return (
        Open311Key.objects.only("id", "name", "prefix", "active")
        .filter(key_hash=open311_key_hash(key), active=True)
        .first()
    )


def area_for_report(*, lat: float, lon: float) -> tuple[int, str] | None:
    """The id and code of the smallest area holding the point, or None outside the city (core's
    point → area index, rebuilt there when areas change)."""
    return core_selectors.area_locate(lat=lat, lon=lon)


OPEN311_FIELDS = ("id", "status", "description", "address", "lat", "lon")


class W3CDateTime(Func):
    """A timestamp as W3C text in UTC (``2026-01-31T09:00:00Z``), formatted by the database, so
    a long Open311 list builds no datetime objects only to format them again."""

    output_field = CharField()

    def as_sql(self, *args: Any, **kwargs: Any) -> tuple[str, list[Any]]:
        raise NotSupportedError("W3CDateTime is written for SQLite and PostgreSQL.")

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        # Django keeps UTC there as "YYYY-MM-DD HH:MM:SS[.ffffff]"
        sql, params = compiler.compile(self.source_expressions[0])
        return f"strftime(%s, {sql})", ["%Y-%m-%dT%H:%M:%SZ", *params]

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"to_char({sql} AT TIME ZONE 'UTC', %s)", [*params, 'YYYY-MM-DD"T"HH24:MI:SS"Z"']


def open311_requests(
    *,
    ids: list[int] | None = None,
    service_codes: list[str] | None = None,
    statuses: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Reports for GET requests, newest first, as plain rows (a response holds up to 1000, so
    no model instances): the report's columns, ``service_code``, ``service_name``, ``agency``
    (the department's name), the three timestamps as W3C text (``requested``, ``updated``,
    ``expected``), the latest public note (``notes``) and the first photo's file (``photo``),
    all in one query. ``ids`` override every other filter."""
    qs = Report.objects.all()
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    else:
        if service_codes:
            # the ids first, so the database walks the (category, created_at) index
            category_ids = list(
                ServiceCategory.objects.filter(code__in=service_codes).values_list("id", flat=True)
            )
            qs = qs.filter(category_id__in=category_ids)
        if statuses:
            condition = Q()
            if "open" in statuses:
                condition |= Q(status__in=OPEN_STATUSES)
            if "closed" in statuses:
                condition |= ~Q(status__in=OPEN_STATUSES)
            qs = qs.filter(condition)
        if start is not None:
            qs = qs.filter(created_at__gte=start)
        if end is not None:
            qs = qs.filter(created_at__lte=end)
    notes = (
        ReportUpdate.objects.filter(report=OuterRef("pk"), public=True)
        .exclude(text="")
        .order_by("-created_at", "-id")
        .values("text")[:1]
    )
    photo = ReportPhoto.objects.filter(report=OuterRef("pk")).order_by("position").values("image")
    rows = qs.order_by("-created_at", "-id").values(
        *OPEN311_FIELDS,
        service_code=F("category__code"),
        service_name=F("category__name"),
        agency=F("department__name"),
        requested=W3CDateTime("created_at"),
        updated=W3CDateTime("updated_at"),
        expected=W3CDateTime("expected_at"),
        notes=Subquery(notes),
        photo=Subquery(photo[:1]),
    )
    return list(rows[:limit])


def open311_updates(*, start: datetime, end: datetime, limit: int = 1000) -> list[ReportUpdate]:
    """Public updates in a window, oldest first (mySociety's servicerequestupdates)."""
    qs = ReportUpdate.objects.filter(public=True, created_at__gte=start, created_at__lte=end)
    return list(qs.select_related("report").order_by("created_at", "id")[:limit])


def _ids(reports: Iterable[Report | int]) -> list[int]:
    return [r if isinstance(r, int) else r.pk for r in reports]


def latest_public_notes(reports: Iterable[Report | int]) -> dict[int, str]:
    """The latest public note of each report (Open311 ``status_notes``), in one query."""
    rows = (
        ReportUpdate.objects.filter(report_id__in=_ids(reports), public=True)
        .exclude(text="")
        .order_by("report_id", "created_at", "id")
        .values_list("report_id", "text")
    )
    return dict(rows)  # oldest first, so each report keeps its latest note


def district_choices() -> QuerySet[Area]:
    return core_selectors.districts()


@dataclass(frozen=True)
class ReportFilters:
    """What the public list, the map and the triage queue narrow reports to: the filter form's
    valid fields (``ReportFilterForm.filters``); empty means no filter."""

    category: str = ""
    area: str = ""
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def dates(self, qs: QuerySet[Report]) -> QuerySet[Report]:
        """Reports filed on or after ``date_from`` and on or before ``date_to`` (whole days in
        the city's time zone)."""
        if self.date_from is not None:
            start = datetime.combine(self.date_from, time.min)
            qs = qs.filter(created_at__gte=timezone.make_aware(start))
        if self.date_to is not None:
            end = datetime.combine(self.date_to + timedelta(days=1), time.min)
            qs = qs.filter(created_at__lt=timezone.make_aware(end))
        return qs

    def reports(self) -> QuerySet[Report]:
        """``report_list`` with every filter applied."""
        qs = report_list(category=self.category, area=self.area, status=self.status)
        return self.dates(qs)


def district_rows() -> list[dict[str, Any]]:
    """The districts as plain rows (id, code, name, population, boundary, area_km2), by code."""
    rows = Area.objects.filter(kind=Area.Kind.DISTRICT).order_by("code")
    return [
        dict(r) for r in rows.values("id", "code", "name", "population", "boundary", "area_km2")
    ]


def report_counts(qs: QuerySet[Report], *columns: str) -> QuerySet[Any]:
    """``qs`` grouped by ``columns``: each row has the columns, ``n`` reports and ``o`` open."""
    open_q = Q(status__in=OPEN_STATUSES)
    return (
        qs.order_by()
        .values(*columns)
        .annotate(n=Count("id"), o=Count("id", filter=open_q))
        .order_by(*columns)
    )


def district_outlines() -> dict[str, Any]:
    """The districts as a GeoJSON FeatureCollection (name and code), cached until they change:
    the key is the areas' revision token, renewed by every ``area_upsert`` on any server."""
    key = "needs:district-outlines:" + core_selectors.revision(core_selectors.AREAS_REVISION)
    cached = cache.get(key)
    if cached is None:
        areas = list(district_choices().values("id", "code", "name", "boundary"))
        cached = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": a["boundary"],
                    "properties": {
                        "kind": "district",
                        "id": a["id"],
                        "code": a["code"],
                        "name": a["name"],
                    },
                }
                for a in areas
            ],
        }
        cache.set(key, cached, 3600)
    return cached


def open311_key_list() -> QuerySet[Open311Key]:
    """Every Open311 key issued (the hash stays private), newest first."""
    return Open311Key.objects.order_by("-created_at", "-id")


def reports_by(*, user: User) -> list[Report]:
    """The reports the person filed, newest first (for "My account")."""
    return list(
        _reports("category", "area")
        .filter(reporter=user)
        .order_by("-created_at", "-id")[: core_selectors.ACCOUNT_ROWS]
    )


def reports_followed(*, user: User) -> list[Report]:
    """The reports the person follows, newest first (for "My account")."""
    return list(
        _reports("category", "area")
        .filter(follows__user=user)
        .order_by("-created_at", "-id")[: core_selectors.ACCOUNT_ROWS]
    )


core_selectors.ACCOUNT_SECTIONS["my-reports"] = core_selectors.AccountSection(
    key="my-reports",
    title=gettext_lazy("My reports"),
    template="needs/account/reports.html",
    rows=lambda user: reports_by(user=user),
    order=10,
)
core_selectors.ACCOUNT_SECTIONS["followed-reports"] = core_selectors.AccountSection(
    key="followed-reports",
    title=gettext_lazy("Reports I follow"),
    template="needs/account/followed.html",
    rows=lambda user: reports_followed(user=user),
    order=20,
)
