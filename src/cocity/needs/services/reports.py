"""Filing reports, and the residents' "me too" and follows."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
import math
import secrets
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cocity.core import selectors as core_selectors
from cocity.core.errors import DomainError, NotAllowed
from cocity.core.models import User
from cocity.core.services import audit_record
from cocity.needs import selectors
from cocity.needs.geo import h3_cell
from cocity.needs.models import (
    Channel,
    Open311Key,
    Priority,
    Report,
    ReportFollow,
    ReportPhoto,
    ReportSupport,
    ServiceCategory,
    SubmissionKey,
)
from cocity.needs.photos import PreparedPhoto, prepare_photos

MAX_DESCRIPTION = 4000
MAX_EMAIL = 254

log = logging.getLogger(__name__)

CHANNELS = frozenset(Channel.values)
PRIORITIES = frozenset(Priority.values)


def _coordinate(value: Any, name: str, low: float, high: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DomainError(
            f"'{name}' must be a number.", code="invalid_location", fields={name: ["Not a number."]}
        ) from None
    if not math.isfinite(number) or not low <= number <= high:
        raise DomainError(
            f"'{name}' is out of range.", code="invalid_location", fields={name: ["Out of range."]}
        )
    return number


def _digits(phone: str) -> str:
    return "".join(c for c in phone or "" if c.isdigit())


def phone_hash(phone: str) -> str:
    """A keyed hash of the phone number's digits: the same number always gives the same value,
    but the number cannot be read back without the server's secret key."""
    return hmac.new(
        settings.SECRET_KEY.encode(), b"phone:" + _digits(phone).encode(), hashlib.sha256
    ).hexdigest()


def _clean_attributes(
    category: ServiceCategory, values: Mapping[str, Any], *, enforce_required: bool
) -> dict[str, Any]:
    definitions = {a["code"]: a for a in category.attributes}
    cleaned: dict[str, Any] = {}
    for code, value in values.items():
        definition = definitions.get(code)
        if definition is None:
            raise DomainError(f"Unknown attribute '{code}'.", code="unknown_attribute")
        keys = {str(v.get("key")) for v in definition.get("values") or []}
        if definition["datatype"] == "multivaluelist":
            items = [str(v) for v in (value if isinstance(value, list | tuple) else [value])]
            if keys and not set(items) <= keys:
                raise DomainError(f"Attribute '{code}' has an unknown value.", code="invalid")
            cleaned[code] = items
            continue
        text = str(value[-1] if isinstance(value, list | tuple) else value)
        if definition["datatype"] == "singlevaluelist" and keys and text not in keys:
            raise DomainError(f"Attribute '{code}' has an unknown value.", code="invalid")
        if definition["datatype"] == "number":
            try:
                float(text)
            except ValueError:
                raise DomainError(f"Attribute '{code}' must be a number.", code="invalid") from None
        cleaned[code] = text
    for code, definition in definitions.items():
        if (
            enforce_required
            and definition.get("required")
            and definition.get("variable", True)
            and code not in cleaned
        ):
            raise DomainError(
                f"Attribute '{code}' is required.",
                code="missing_attribute",
                fields={f"attribute[{code}]": ["Required."]},
            )
    return cleaned


def report_submit(
    *,
    idempotency_key: str = "",
    idempotency_scope: str = "",
    category: ServiceCategory | str,
    description: str,
    lat: Any,
    lon: Any,
    reporter: User | None = None,
    anonymous: bool = False,
    channel: str = Channel.WEB,
    address: str = "",
    contact_email: str = "",
    contact_language: str = "",
    phone: str = "",
    attributes: Mapping[str, Any] | None = None,
    api_key: Open311Key | None = None,
    priority: int = Priority.NORMAL,
    photos: Sequence[Any] = (),
) -> Report:
    """File a report. Anonymous reports (no account, or ``anonymous``) are tracked by the
    report's private ``tracking_token``. All or nothing: any error leaves no rows.

    ``photos`` (at most three uploaded files) are checked and re-encoded before anything is
    written, and their files are stored only once the transaction commits: a failure anywhere
    leaves no rows and no files.

    With an ``idempotency_key`` (unique within ``idempotency_scope``), sending the same
    submission again returns the report filed the first time, even when both race: the key's
    unique constraint lets one of them commit, the other finds its report.

    ``contact_language`` (a language code such as ``es`` or ``es-ES``) is kept with a
    ``contact_email`` so that e-mails to it come in that language; a language the site does not
    offer is ignored. It is not part of the idempotency fingerprint: a retry is the same
    submission in whatever language it is sent."""
    key = (idempotency_key or "").strip()
    if len(key) > MAX_IDEMPOTENCY_KEY:
        raise DomainError(
            f"The Idempotency-Key is longer than {MAX_IDEMPOTENCY_KEY} characters.",
            code="invalid_idempotency_key",
            fields={"Idempotency-Key": ["Too long."]},
        )
    submitted: dict[str, Any] = {
        "category": category,
        "description": description,
        "lat": lat,
        "lon": lon,
        "reporter": reporter,
        "anonymous": anonymous,
        "channel": channel,
        "address": address,
        "contact_email": contact_email,
        "phone": phone,
        "attributes": attributes,
        "api_key": api_key,
        "priority": priority,
        "photos": photos,
    }
    # only a submission with a key needs its fingerprint
    fingerprint = _fingerprint(**submitted) if key else ""
    if key:
        seen = _seen(idempotency_scope, key, fingerprint)
        if seen is not None:
            return seen
    # validation and lookups first, outside the transaction: on SQLite the write lock is then
    # held only for the writes
    report, prepared, area_code = _report_prepare(**submitted)
    if report.contact_email:
        report.contact_language = supported_language(contact_language)
    try:
        with transaction.atomic():
            report.save(force_insert=True)
            if report.reporter is not None:
                ReportFollow.objects.create(report=report, user=report.reporter)
            _photos_add(report, prepared)
            if key:
                SubmissionKey.objects.create(
                    scope=idempotency_scope, key=key, report=report, fingerprint=fingerprint
                )
            audit_record(**_submitted(report, prepared, area_code))
    except IntegrityError:
        seen = _seen(idempotency_scope, key, fingerprint) if key else None
        if seen is None:
            raise
        return seen
    return report


MAX_IDEMPOTENCY_KEY = 120


def supported_language(value: str) -> str:
    """The site's language closest to ``value`` (``es_ES``, ``es-ES`` and ``es`` give ``es``),
    or "" when the site offers none of it."""
    value = (value or "").strip().replace("_", "-")
    if not value or len(value) > 35:
        return ""
    try:
        return translation.get_supported_language_variant(value)
    except LookupError:
        return ""


def _fingerprint(**submitted: Any) -> str:
    """What a submission carried, as an HMAC-SHA256: a retry with the same key must carry the
    same (photos by name and size)."""
    photos = [(getattr(p, "name", ""), getattr(p, "size", None)) for p in submitted["photos"]]
    category = submitted["category"]
    values = {
        **submitted,
        "category": category if isinstance(category, str) else category.code,
        "reporter": getattr(submitted["reporter"], "pk", None),
        "api_key": getattr(submitted["api_key"], "pk", None),
        "photos": photos,
    }
    text = json.dumps(values, sort_keys=True, default=str)
    # keyed, like the phone hash: the payload holds the phone number
    return hmac.new(settings.SECRET_KEY.encode(), text.encode(), hashlib.sha256).hexdigest()


def _seen(scope: str, key: str, fingerprint: str) -> Report | None:
    """The report filed before with this key; the key sent again with another payload is
    refused with 422, as the IETF Idempotency-Key draft says."""
    row = selectors.submission_key(scope=scope, key=key)
    if row is None:
        return None
    if row.fingerprint and row.fingerprint != fingerprint:
        raise DomainError(
            "This Idempotency-Key was already used for a different submission.",
            code="idempotency_key_reused",
            status=422,
        )
    return row.report


def near_address(*, lat: float, lon: float) -> str:
    """ "near Calle Mayor 12" (in the city's language) for a report given without an address,
    when the gazetteer has a street or place within ``NEAREST_M``; else ""."""
    place = core_selectors.place_nearest(lat=lat, lon=lon)
    if place is None:
        return ""
    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext("near %(place)s") % {"place": str(place)}


def _report_prepare(
    *,
    category: ServiceCategory | str,
    description: str,
    lat: Any,
    lon: Any,
    reporter: User | None,
    anonymous: bool,
    channel: str,
    address: str,
    contact_email: str,
    phone: str,
    attributes: Mapping[str, Any] | None,
    api_key: Open311Key | None,
    priority: int,
    photos: Sequence[Any] = (),
) -> tuple[Report, list[PreparedPhoto], str]:
    """Everything that can fail before a write: the unsaved report, its photos and the code of
    its area."""
    if isinstance(category, str):
        found = selectors.category_by_code(category)
        if found is None:
            raise DomainError(
                f"Unknown service code '{category}'.",
                code="unknown_service",
                fields={"service_code": ["Unknown service code."]},
            )
        category = found
    elif not category.active:
        raise DomainError("This category no longer takes reports.", code="unknown_service")
    if channel not in CHANNELS:
        raise DomainError(f"Unknown channel '{channel}'.", code="invalid")
    description = (description or "").strip()
    if not description:
        raise DomainError(
            "Describe the problem.",
            code="missing_description",
            fields={"description": ["Required."]},
        )
    if len(description) > MAX_DESCRIPTION:
        raise DomainError(
            f"The description is longer than {MAX_DESCRIPTION} characters.",
            code="invalid",
            fields={"description": ["Too long."]},
        )
    lat_f = _coordinate(lat, "lat", -90, 90)
    lon_f = _coordinate(lon, "long" if channel == Channel.API else "lon", -180, 180)
    area = selectors.area_for_report(lat=lat_f, lon=lon_f)
    if area is None:
        raise DomainError(
            "This place is outside the city.",
            code="outside_city",
            fields={"lat": ["Outside the city."]},
        )
    if priority not in PRIORITIES:
        raise DomainError("Unknown priority.", code="invalid", fields={"priority": ["Unknown."]})
    contact_email = (contact_email or "").strip()
    if contact_email:
        _check_email(contact_email)
    prepared = prepare_photos(list(photos))
    now = timezone.now()
    report = Report(
        category=category,
        description=description,
        lat=lat_f,
        lon=lon_f,
        area_id=area[0],
        h3_cell=h3_cell(lat_f, lon_f),
        address=(address or "").strip()[:200] or near_address(lat=lat_f, lon=lon_f),
        reporter=reporter if reporter is not None and reporter.pk else None,
        anonymous=bool(anonymous) or reporter is None,
        tracking_token=secrets.token_urlsafe(12),
        contact_email=contact_email,
        phone_hash=phone_hash(phone) if phone else "",
        phone_last4=_digits(phone)[-4:],
        channel=channel,
        api_key=api_key,
        priority=priority,
        department=category.department,
        # required attributes bind Open311 clients (they read the service definition); a
        # resident on the web form, by SMS or phone is never refused for lacking one
        attributes=_clean_attributes(
            category, attributes or {}, enforce_required=channel == Channel.API
        ),
        created_at=now,
        updated_at=now,
        expected_at=now + timedelta(days=category.expected_days),
    )
    # no full_clean: every value was checked above or is built here (the related rows were just
    # looked up, the text fields are cut to their lengths) and the check constraints hold in the
    # database; a test keeps full_clean passing on what this builds
    return report, prepared, area[1]


def _check_email(value: str) -> None:
    try:
        validate_email(value)
        if len(value) > MAX_EMAIL:
            raise ValidationError("The email address is too long.")
    except ValidationError as exc:
        raise DomainError(
            "; ".join(exc.messages), code="invalid", fields={"contact_email": exc.messages}
        ) from exc


def _submitted(report: Report, prepared: list[PreparedPhoto], area_code: str) -> dict[str, Any]:
    """The audit entry of a filed report."""
    category = report.category
    return {
        "action": "needs.report_submitted",
        # the public log must not reveal who filed an anonymous report
        "actor": None if report.anonymous else report.reporter,
        "obj": report,
        "data": {
            "category": category.code,
            "area": area_code,
            "channel": report.channel,
            "department": category.department.code,
            **({"photos": len(prepared)} if prepared else {}),
        },
    }


def _photos_add(report: Report, prepared: list[PreparedPhoto]) -> None:
    """Rows now, files after the commit: a rolled-back submission leaves no file behind."""
    for position, photo in enumerate(prepared):
        row = ReportPhoto.objects.create(
            report=report,
            position=position,
            image=photo.storage_name(),
            content_type=photo.content_type,
            width=photo.width,
            height=photo.height,
            size=len(photo.content),
        )
        transaction.on_commit(functools.partial(_photo_store, row, photo))


def _photo_store(row: ReportPhoto, photo: PreparedPhoto) -> None:
    try:
        name = default_storage.save(row.image.name, ContentFile(photo.content))
    except OSError:
        # the report stands; a photo that could not be written is dropped, not left dangling
        log.exception("could not store photo %s of report %s", row.image.name, row.report_id)
        ReportPhoto.objects.filter(pk=row.pk).delete()
        return
    if name != row.image.name:  # pragma: no cover - the storage renamed a 128-bit random name
        ReportPhoto.objects.filter(pk=row.pk).update(image=name)


def _require_person(user: User | None) -> User:
    if user is None or not user.has_perm("needs.support_report"):
        raise NotAllowed(code="sign_in_required")
    return user


@transaction.atomic
def report_support(*, report: Report, user: User | None) -> bool:
    """Add a "me too". Returns False when the person already supports it. The supporter also
    follows the report."""
    user = _require_person(user)
    if not report.is_open:
        raise DomainError("This report is closed.", code="report_closed")
    if report.reporter_id is not None and report.reporter_id == user.pk:
        raise DomainError(
            _("This is your own report: it already counts as yours."), code="own_report"
        )
    try:
        with transaction.atomic():
            ReportSupport.objects.create(report=report, user=user)
    except IntegrityError:
        return False
    Report.objects.filter(pk=report.pk).update(support_count=F("support_count") + 1)
    report.support_count += 1
    ReportFollow.objects.get_or_create(report=report, user=user)
    audit_record(action="needs.report_supported", actor=user, obj=report)
    return True


@transaction.atomic
def report_follow(*, report: Report, user: User | None, follow: bool = True) -> bool:
    """Follow or unfollow. Returns whether anything changed."""
    user = _require_person(user)
    if follow:
        _follow, created = ReportFollow.objects.get_or_create(report=report, user=user)
        changed = created
    else:
        changed = ReportFollow.objects.filter(report=report, user=user).delete()[0] > 0
    if changed:
        audit_record(
            action="needs.report_followed" if follow else "needs.report_unfollowed",
            actor=user,
            obj=report,
        )
    return changed
