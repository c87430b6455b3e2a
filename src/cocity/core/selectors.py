"""Reads of the core app."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from django.core.cache import cache
from django.db.models import QuerySet, Sum

from cocity.compute.gazetteer import distance_m, number_order, split_number
from cocity.compute.geo import AreaIndex

if TYPE_CHECKING:
    from cocity.core.models import (
        Area,
        AuditEntry,
        Department,
        Notification,
        Organisation,
        Place,
        ScheduledJob,
        User,
    )
    from cocity.core.scheduling import Job

_index_lock = threading.Lock()
_index: AreaIndex | None = None
_index_codes: dict[int, str] = {}  # the code of each area in _index, by id
_index_version: str | None = None
AREAS_REVISION = "areas"
PLACES_REVISION = "places"
NEAREST_M = 150  # "near <street>" only when the street is this close


def area_list() -> QuerySet[Area]:
    from cocity.core.models import Area

    return Area.objects.select_related("parent").order_by("code")


def districts() -> QuerySet[Area]:
    from cocity.core.models import Area

    return area_list().filter(kind=Area.Kind.DISTRICT)


def city_population() -> int:
    return districts().aggregate(total=Sum("population"))["total"] or 0


def department_list() -> QuerySet[Department]:
    from cocity.core.models import Department

    return Department.objects.order_by("name")


def organisation_list() -> QuerySet[Organisation]:
    from cocity.core.models import Organisation

    return Organisation.objects.select_related("area").order_by("name")


def audit_entries(*, object_type: str = "", object_id: str = "") -> QuerySet[AuditEntry]:
    from cocity.core.models import AuditEntry

    # the actor's role is what the public log shows (AuditEntry.actor_role)
    qs = AuditEntry.objects.select_related("actor").order_by("-id")
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    return qs


def audit_entries_by(*, user: User) -> QuerySet[AuditEntry]:
    from cocity.core.models import AuditEntry

    return AuditEntry.objects.filter(actor=user).order_by("id")


def has_consent(*, user: User, purpose: str) -> bool:
    """Whether ``user`` has given, and not withdrawn, the consent ``purpose``."""
    return (
        bool(user.is_authenticated)
        and user.consents.filter(purpose=purpose, withdrawn_at=None).exists()
    )


def area_index_reset() -> None:
    global _index, _index_codes, _index_version
    with _index_lock:
        _index = None
        _index_codes = {}
        _index_version = None


def revision(name: str) -> str:
    """The current token of ``name`` ("" before its first change): one primary-key read."""
    from cocity.core.models import Revision

    token = Revision.objects.filter(name=name).values_list("token", flat=True).first()
    return str(token) if token is not None else ""


def area_index() -> AreaIndex:
    """The STRtree of all areas, built once per process and rebuilt when the areas' revision
    changes (``services.area_upsert`` gives it a new token), in this process or any other: each
    call reads the token (one query)."""
    return _area_index()[0]


def _area_index() -> tuple[AreaIndex, dict[int, str]]:
    """The index and the codes of the areas it was built from, read together."""
    global _index, _index_codes, _index_version
    from cocity.core.models import Area

    with _index_lock:
        stamp = revision(AREAS_REVISION)
        if _index is None or _index_version != stamp:
            rows = list(Area.objects.values_list("id", "code", "boundary"))
            _index = AreaIndex([(pk, boundary) for pk, _, boundary in rows])
            _index_codes = {pk: code for pk, code, _ in rows}
            _index_version = stamp
        return _index, _index_codes


def area_locate(*, lat: float, lon: float) -> tuple[int, str] | None:
    """The id and code of the smallest area holding the point, or None outside every area."""
    index, codes = _area_index()
    key = index.locate(lat, lon)
    if key is None:
        return None
    pk = cast(int, key)
    return pk, codes[pk]


def area_for_point(*, lat: float, lon: float) -> Area | None:
    from cocity.core.models import Area

    key = area_index().locate(lat, lon)
    return Area.objects.filter(pk=cast(int, key)).first() if key is not None else None


def notification_list(*, user: User) -> QuerySet[Notification]:
    """The person's notifications, newest first."""
    from cocity.core.models import Notification

    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def notification_unread_count(*, user: User | None) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return notification_list(user=user).filter(read_at=None).count()


@dataclass(frozen=True)
class AccountSection:
    """A part of the "My account" page (/me/) that an app adds: ``rows(user)`` reads what the
    person has there (a list of at most ``ACCOUNT_ROWS``, newest first, in a fixed number of
    queries) and ``template`` shows it as ``rows``."""

    key: str
    title: Any  # a lazily translated string
    template: str
    rows: Callable[[User], list[Any]]
    order: int = 50


#: each section shows at most this many rows, the newest
ACCOUNT_ROWS = 10

# Apps register their sections here (key -> section), as they register their personal data in
# core.services.PERSONAL_DATA_EXPORTERS: core never imports the apps.
ACCOUNT_SECTIONS: dict[str, AccountSection] = {}


def account_sections(*, user: User) -> list[dict[str, Any]]:
    """The "My account" sections in their order, each with the person's rows."""
    return [
        {"key": s.key, "title": s.title, "template": s.template, "rows": rows, "more": more}
        for s in sorted(ACCOUNT_SECTIONS.values(), key=lambda s: (s.order, s.key))
        for rows in [s.rows(user)]
        for more in [len(rows) >= ACCOUNT_ROWS]
    ]


# --- the gazetteer ----------------------------------------------------------------------------


def place_search(text: str, limit: int = 8) -> list[Place]:
    """Places matching what a resident typed: "mayor 12", "Calle Mayor", "plaza espana".

    Every word must appear in the name; accents and case do not matter; names starting with the
    text come first. With a house number, the addresses with that number; without one (or when
    no address has it), one entry per street and district (its lowest number) and the named
    places."""
    from cocity.core.models import Place, place_key

    name, number = split_number(text)
    key = place_key(name)
    if len(key) < 2:
        return []
    matches = Place.objects.select_related("area")
    for word in key.split():  # every word typed, in any order: "plaza espana", "mayor calle"
        matches = matches.filter(key__contains=word)
    if number:
        exact = list(matches.filter(number__iexact=number)[: limit * 4])
        if exact:
            exact.sort(key=lambda p: (not p.key.startswith(key), p.key, p.area_id or 0))
            return exact[:limit]
    found: dict[tuple[str, int, str], Place] = {}
    for place in matches.order_by("key", "id")[:2000]:
        slot = (place.key, place.area_id or 0, place.kind)
        best = found.get(slot)
        if best is None or number_order(place.number) < number_order(best.number):
            found[slot] = place
    ordered = sorted(found.values(), key=lambda p: (not p.key.startswith(key), p.key))
    return ordered[:limit]


def place_get(pk: int) -> Place | None:
    from cocity.core.models import Place

    return Place.objects.select_related("area").filter(pk=pk).first()


def place_nearest(*, lat: float, lon: float, within_m: float = NEAREST_M) -> Place | None:
    """The gazetteer entry nearest to the point, if one lies within ``within_m`` metres (a
    latitude/longitude box on the index first, then exact distances)."""
    import math

    from cocity.core.models import Place

    dlat = within_m / 111_195
    dlon = within_m / (111_195 * max(math.cos(math.radians(lat)), 0.01))
    candidates = Place.objects.filter(
        lat__gte=lat - dlat, lat__lte=lat + dlat, lon__gte=lon - dlon, lon__lte=lon + dlon
    ).only("id", "name", "number", "kind", "lat", "lon", "area_id")
    best, best_m = None, within_m
    for place in candidates[:5000]:
        metres = distance_m(lat, lon, place.lat, place.lon)
        if metres <= best_m:
            best, best_m = place, metres
    return best


def street_lines() -> dict[str, Any]:
    """The streets of the gazetteer as GeoJSON: one line per street and district through its
    numbered points in number order (named places as points), cached until the next import.
    The maps draw them when no tile server is configured."""
    from cocity.core.models import Place

    key = "core:street-lines:" + revision(PLACES_REVISION)
    cached = cache.get(key)
    if cached is not None:
        return cast(dict[str, Any], cached)
    streets: dict[tuple[str, int], list[tuple[tuple[int, str], float, float]]] = {}
    names: dict[tuple[str, int], str] = {}
    features: list[dict[str, Any]] = []
    rows = Place.objects.values_list("name", "number", "kind", "lat", "lon", "area_id", "key")
    for name, number, kind, lat, lon, area_id, k in rows.iterator():
        if kind == "place":
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                    "properties": {"kind": "place", "name": name},
                }
            )
            continue
        slot = (k, area_id or 0)
        names[slot] = name
        streets.setdefault(slot, []).append((number_order(number), lon, lat))
    for slot, points in streets.items():
        points.sort()
        coords = [[round(x, 6), round(y, 6)] for _, x, y in points]
        geometry: dict[str, Any] = (
            {"type": "LineString", "coordinates": coords}
            if len(coords) > 1
            else {"type": "Point", "coordinates": coords[0]}
        )
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {"kind": "street", "name": names[slot]},
            }
        )
    result = {"type": "FeatureCollection", "features": features}
    cache.set(key, result, 3600)
    return result


@dataclass(frozen=True)
class JobState:
    """A periodic job with its recorded state. ``next_at``: the slot it runs at next (in the past:
    due now; None: disabled); ``overdue_since``: when the first slot it has not claimed began, if
    that was more than the grace period ago (no scheduler is running)."""

    job: Job
    row: ScheduledJob | None  # None until a scheduler first saw the job
    next_at: datetime | None
    overdue_since: datetime | None


def scheduled_jobs(*, now: datetime | None = None, grace: float = 0) -> list[JobState]:
    """Every declared periodic job with its row (one query), in declaration order."""
    from django.utils import timezone

    from cocity.core import scheduling
    from cocity.core.models import ScheduledJob

    now = now or timezone.now()
    rows = {row.name: row for row in ScheduledJob.objects.all()}
    states = []
    for job in scheduling.jobs():
        row = rows.get(job.name)
        last = row.last_slot if row else None
        next_at = overdue = None
        if job.enabled:
            next_at = job.next_slot(last) if last else job.slot(now)
            if last and (now - next_at).total_seconds() > grace:
                overdue = next_at
        states.append(JobState(job=job, row=row, next_at=next_at, overdue_since=overdue))
    return states
