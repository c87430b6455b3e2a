"""Reads of the needs app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from cocity.core.models import Area, User
from cocity.needs.geo import cells_within, haversine_m
from cocity.needs.models import (
    OPEN_STATUSES,
    Open311Key,
    Report,
    ReportPhoto,
    ReportUpdate,
    ServiceCategory,
    SubmissionKey,
)

DUPLICATE_RADIUS_M = 250.0


def category_list(*, active_only: bool = True) -> QuerySet[ServiceCategory]:
    qs = ServiceCategory.objects.select_related("department").order_by("group", "name")
    return qs.filter(active=True) if active_only else qs


def category_by_code(code: str) -> ServiceCategory | None:
    return category_list().filter(code=code).first()


def _reports() -> QuerySet[Report]:
    return Report.objects.select_related("category", "area", "department", "reporter")


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


def photo_urls(reports: list[Report]) -> dict[int, list[str]]:
    """Each report's photo URLs (relative to the site), in one query."""
    urls: dict[int, list[str]] = {}
    rows = ReportPhoto.objects.filter(report__in=[r.pk for r in reports]).order_by(
        "report_id", "position"
    )
    for photo in rows:
        urls.setdefault(photo.report_id, []).append(photo.image.url)
    return urls


def report_get(pk: Any) -> Report | None:
    try:
        return _reports().filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def report_by_token(token: str) -> Report | None:
    return _reports().filter(tracking_token=token).first() if token else None


def report_for_submission(*, scope: str, key: str) -> Report | None:
    """The report already filed with this idempotency key or one-time form token."""
    if not key:
        return None
    row = SubmissionKey.objects.select_related("report").filter(scope=scope, key=key).first()
    return row.report if row is not None else None


def report_timeline(*, report: Report, include_internal: bool = False) -> QuerySet[ReportUpdate]:
    qs = ReportUpdate.objects.filter(report=report).select_related("author")
    return qs if include_internal else qs.filter(public=True)


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
    candidates = Report.objects.filter(
        category=category, h3_cell__in=cells, status__in=OPEN_STATUSES, duplicate_of=None
    )
    if exclude_id is not None:
        candidates = candidates.exclude(pk=exclude_id)
    # distances from bare (id, lat, lon) tuples; full rows only for the few within the radius
    distances = {
        pk: d
        for pk, r_lat, r_lon in candidates.values_list("pk", "lat", "lon")
        if (d := haversine_m(lat, lon, r_lat, r_lon)) <= radius_m
    }
    if not distances:
        return []
    found = [Nearby(r, distances[r.pk]) for r in _reports().filter(pk__in=list(distances))]
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


def report_cells(
    *,
    bbox: tuple[float, float, float, float],
    category: str = "",
    status: str = "",
) -> list[dict[str, Any]]:
    """Report counts per h3 cell for a map viewport (west, south, east, north)."""
    west, south, east, north = bbox
    qs = report_list(category=category, status=status).filter(
        lat__gte=south, lat__lte=north, lon__gte=west, lon__lte=east
    )
    rows = qs.order_by().values("h3_cell").annotate(count=Count("id")).order_by("h3_cell")
    return [{"cell": r["h3_cell"], "count": r["count"]} for r in rows]


def open311_key_valid(key: str) -> Open311Key | None:
    from cocity.needs.services import open311_key_hash

    if not key:
        return None
    return Open311Key.objects.filter(key_hash=open311_key_hash(key), active=True).first()


def open311_requests(
    *,
    ids: list[int] | None = None,
    service_codes: list[str] | None = None,
    statuses: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 1000,
) -> list[Report]:
    """Reports for GET requests: ``ids`` override every other filter."""
    qs = Report.objects.select_related("category", "department")
    if ids is not None:
        return list(qs.filter(pk__in=ids).order_by("-created_at", "-id")[:limit])
    if service_codes:
        qs = qs.filter(category__code__in=service_codes)
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
    return list(qs.order_by("-created_at", "-id")[:limit])


def open311_updates(*, start: datetime, end: datetime, limit: int = 1000) -> list[ReportUpdate]:
    """Public updates in a window, oldest first (mySociety's servicerequestupdates)."""
    qs = ReportUpdate.objects.filter(public=True, created_at__gte=start, created_at__lte=end)
    return list(qs.select_related("report").order_by("created_at", "id")[:limit])


def latest_public_notes(reports: list[Report]) -> dict[int, str]:
    """The latest public note of each report (Open311 ``status_notes``), in one query."""
    notes: dict[int, str] = {}
    rows = (
        ReportUpdate.objects.filter(report__in=[r.pk for r in reports], public=True)
        .exclude(text="")
        .order_by("report_id", "created_at", "id")
        .values_list("report_id", "text")
    )
    for report_id, text in rows:
        notes[report_id] = text
    return notes


def district_choices() -> QuerySet[Area]:
    from cocity.core.selectors import districts

    return districts()
