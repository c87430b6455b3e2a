"""Reads of the core app."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.db.models import QuerySet, Sum

from cocity.compute.geo import AreaIndex

if TYPE_CHECKING:
    from cocity.core.models import Area, AuditEntry, Department, Notification, Organisation, User

_index_lock = threading.Lock()
_index: AreaIndex | None = None
_index_codes: dict[int, str] = {}  # the code of each area in _index, by id
_index_version: str | None = None
AREAS_REVISION = "areas"


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
