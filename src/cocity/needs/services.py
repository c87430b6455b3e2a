"""Writes of the needs app. Every write is one transaction and records an audit entry."""

from __future__ import annotations

import functools
import hashlib
import hmac
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
from django.utils import timezone

from cocity.core import db
from cocity.core.errors import Conflict, DomainError, NotAllowed
from cocity.core.models import Department, User
from cocity.core.services import audit_record, audit_statement, names_clean
from cocity.needs import selectors
from cocity.needs.geo import h3_cell
from cocity.needs.models import (
    OPEN_STATUSES,
    Channel,
    Open311Key,
    Priority,
    Report,
    ReportFollow,
    ReportPhoto,
    ReportSupport,
    ReportUpdate,
    ResponseTemplate,
    ServiceCategory,
    Status,
    SubmissionKey,
)
from cocity.needs.photos import PreparedPhoto, prepare_photos

MAX_DESCRIPTION = 4000
MAX_NOTE = 4000
MAX_EMAIL = 254

log = logging.getLogger(__name__)


def _clean(obj: Any, exclude: list[str] | None = None, *, constraints: bool = True) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_constraints=constraints)
    except ValidationError as exc:
        raise DomainError.from_validation_error(exc) from exc


# --- categories and Open311 keys --------------------------------------------------------------


@transaction.atomic
def category_create(
    *,
    code: str,
    name: str,
    department: Department,
    expected_days: int = 7,
    description: str = "",
    group: str = "",
    keywords: str = "",
    attributes: list[dict[str, Any]] | None = None,
    names: Mapping[str, str] | None = None,
    actor: User | None = None,
) -> ServiceCategory:
    """A new category; ``names`` gives its name in the city's other languages."""
    category = ServiceCategory(
        code=code,
        name=name,
        names=names_clean(names or {}),
        department=department,
        expected_days=expected_days,
        description=description,
        group=group,
        keywords=keywords,
        attributes=list(attributes or []),
    )
    _validate_attribute_definitions(category.attributes)
    _clean(category)
    category.save()
    audit_record(
        action="needs.category_created",
        actor=actor,
        obj=category,
        data={"code": code, "department": department.code},
    )
    return category


DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}


def _validate_attribute_definitions(attributes: list[dict[str, Any]]) -> None:
    for attr in attributes:
        if not attr.get("code") or attr.get("datatype") not in DATATYPES:
            raise DomainError(
                "Each attribute needs a code and one of the six Open311 datatypes.",
                code="invalid_attribute_definition",
            )


def open311_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def open311_key_create(*, name: str, actor: User | None = None) -> tuple[Open311Key, str]:
    """Issue a key to a client app. Returns the row and the key itself (shown once)."""
    name = name.strip()
    if not name:
        raise DomainError("A key needs a name.", code="invalid", fields={"name": ["Required."]})
    key = secrets.token_urlsafe(24)
    row = Open311Key(name=name, key_hash=open311_key_hash(key), prefix=key[:8])
    _clean(row)
    row.save()
    audit_record(action="needs.open311_key_created", actor=actor, obj=row, data={"name": name})
    return row, key


@transaction.atomic
def open311_key_revoke(*, key: Open311Key, actor: User | None = None) -> bool:
    """Switch a key off: the next request made with it is refused (403). Returns False when it
    was already revoked (nothing changes, nothing is logged)."""
    changed = Open311Key.objects.filter(pk=key.pk, active=True).update(active=False)
    if not changed:
        return False
    key.active = False
    audit_record(action="needs.open311_key_revoked", actor=actor, obj=key, data={"name": key.name})
    return True


# --- response templates -----------------------------------------------------------------------


def _template_check(template: ResponseTemplate) -> None:
    from django.conf import settings

    template.title = template.title.strip()
    template.text = template.text.strip()
    if template.language not in dict(settings.LANGUAGES):
        raise DomainError(
            "Unknown language.", code="invalid", fields={"language": ["Unknown language."]}
        )
    _clean(template)


@transaction.atomic
def response_template_create(
    *, code: str, language: str, title: str, text: str, actor: User | None = None
) -> ResponseTemplate:
    """A new ready-made answer. The same code in another language is the same answer there."""
    template = ResponseTemplate(code=code.strip(), language=language, title=title, text=text)
    _template_check(template)
    template.save()
    audit_record(
        action="needs.response_template_created",
        actor=actor,
        obj=template,
        data={"code": template.code, "language": language},
    )
    return template


@transaction.atomic
def response_template_update(
    *, template: ResponseTemplate, title: str, text: str, actor: User | None = None
) -> ResponseTemplate:
    """New wording; updates already published keep the words they were published with."""
    template.title, template.text = title, text
    _template_check(template)
    template.save(update_fields=["title", "text", "updated_at"])
    audit_record(
        action="needs.response_template_updated",
        actor=actor,
        obj=template,
        data={"code": template.code, "language": template.language},
    )
    return template


@transaction.atomic
def response_template_delete(*, template: ResponseTemplate, actor: User | None = None) -> None:
    audit_record(
        action="needs.response_template_deleted",
        actor=actor,
        obj=template,
        data={"code": template.code, "language": template.language},
    )
    template.delete()


# --- reports ----------------------------------------------------------------------------------


# the enums' values, looked up on every submission (``Channel.values`` builds a new list)
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
    phone: str = "",
    attributes: Mapping[str, Any] | None = None,
    api_key: Open311Key | None = None,
    priority: int = Priority.NORMAL,
    photos: Sequence[Any] = (),
    areas_revision: str | None = None,
    report_id: int | None = None,
) -> Report:
    """File a report. Anonymous reports (no account, or ``anonymous``) are tracked by the
    report's private ``tracking_token``. All or nothing: any error leaves no rows.

    ``photos`` (at most three uploaded files) are checked and re-encoded before anything is
    written, and their files are stored only once the transaction commits: a failure anywhere
    leaves no rows and no files.

    With an ``idempotency_key`` (unique within ``idempotency_scope``), sending the same
    submission again returns the report filed the first time, even when both race.

    ``areas_revision`` and ``report_id``: the areas' revision token and an id from the reports'
    sequence, when the caller read them with the category (``selectors.open311_submission``),
    so that finding the area costs no query and, on PostgreSQL, the rows and the audit entry go
    in one round trip."""
    key = (idempotency_key or "").strip()[:120]
    if key:
        seen = _submission(idempotency_scope, key)
        if seen is not None:
            return seen
    # validation and lookups first, outside the transaction: on SQLite the write lock is held
    # only for the INSERTs and the audit entry
    report, prepared, area_code = _report_prepare(
        category=category,
        description=description,
        lat=lat,
        lon=lon,
        reporter=reporter,
        anonymous=anonymous,
        channel=channel,
        address=address,
        contact_email=contact_email,
        phone=phone,
        attributes=attributes,
        api_key=api_key,
        priority=priority,
        photos=photos,
        areas_revision=areas_revision,
    )
    if report_id is not None:
        report.id = report_id
    try:
        if report.pk is not None and not prepared and report.reporter is None:
            # the report, its audit entry and its idempotency key in one round trip (PostgreSQL,
            # outside a transaction); photos and followers take the general way
            seen_key = (
                [SubmissionKey(scope=idempotency_scope, key=key, report=report)] if key else []
            )
            db.execute_together(
                [
                    db.insert_statement(report),
                    audit_statement(**_submitted(report, prepared, area_code)),
                    *map(db.insert_statement, seen_key),
                ],
                saved=[report, *seen_key],
            )
        else:
            with transaction.atomic():
                _report_save(report, prepared, area_code)
                if key:
                    db.insert(SubmissionKey(scope=idempotency_scope, key=key, report=report))
    except IntegrityError:
        seen = _submission(idempotency_scope, key) if key else None
        if seen is None:
            raise
        return seen
    return report


def _submission(scope: str, key: str) -> Report | None:
    return selectors.report_for_submission(scope=scope, key=key)


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
    areas_revision: str | None = None,
) -> tuple[Report, list[PreparedPhoto], str]:
    """Everything that can fail before a write: the unsaved report, its photos and the code of
    its area."""
    if isinstance(category, str):
        found = selectors.category_for_submission(category)
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
    area = selectors.area_for_report(lat=lat_f, lon=lon_f, areas_revision=areas_revision)
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
        address=(address or "").strip()[:200],
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
    # looked up, the text fields are cut to their lengths), and the check constraints hold in the
    # database itself; a test keeps full_clean passing on what this builds
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


def _report_save(report: Report, prepared: list[PreparedPhoto], area_code: str) -> None:
    db.insert(report)  # the ORM's save compiles the statement each time: a third of a POST
    if report.reporter is not None:
        ReportFollow.objects.create(report=report, user=report.reporter)
    _photos_add(report, prepared)
    audit_record(**_submitted(report, prepared, area_code))


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


def _notify_followers(update: ReportUpdate) -> None:
    """In the update's transaction, give every follower but its author an in-app notification;
    after the commit, queue the email to the followers who consented to it."""
    from django.urls import reverse
    from django.utils import translation
    from django.utils.translation import gettext_noop

    from cocity.core.services import notification_send
    from cocity.needs.tasks import notify_followers_task

    report = update.report
    followers = User.objects.filter(needs_follows__report_id=report.pk)
    if update.author_id is not None:
        followers = followers.exclude(pk=update.author_id)
    with translation.override(None):  # store English msgids; they are translated when shown
        status = str(Status(update.new_status).label) if update.new_status else ""
    notification_send(
        recipients=followers,
        verb="needs.report_updated",
        text=(
            gettext_noop("Report #%(number)s (%(category)s) is now: %(status)s.")
            if status
            else gettext_noop("Report #%(number)s (%(category)s) has a new public update.")
        ),
        params={
            "number": report.pk,
            "category": report.category.all_names(),
            "status": status,
            "note": update.text[:500],
            "_translate": ["status"],
        },
        link=reverse("needs:detail", kwargs={"pk": report.pk}),
    )
    transaction.on_commit(lambda: notify_followers_task.enqueue(update.pk))


def _require_triage(actor: User | None, report: Report) -> User:
    if actor is None or not actor.has_perm("needs.triage_report", report):
        raise NotAllowed(code="not_department_official")
    return actor


def _lock(report: Report) -> Report:
    return Report.objects.select_for_update().get(pk=report.pk)


@transaction.atomic
def report_change_status(
    *,
    report: Report,
    status: str,
    actor: User | None,
    note: str = "",
    duplicate_of: Report | None = None,
) -> ReportUpdate:
    """Move a report to another status with an optional public note (an official of its
    department or an admin)."""
    actor = _require_triage(actor, report)
    if status not in Status.values:
        raise DomainError(f"Unknown status '{status}'.", code="unknown_status")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise DomainError("The note is too long.", code="invalid")
    locked = _lock(report)
    if locked.status == status:
        raise Conflict("The report already has this status.", code="same_status")
    if status == Status.DUPLICATE:
        if duplicate_of is None or duplicate_of.pk == locked.pk:
            raise DomainError("Say which report this one duplicates.", code="missing_duplicate")
        if duplicate_of.duplicate_of_id == locked.pk:
            raise DomainError("The two reports would point at each other.", code="merge_loop")
        locked.duplicate_of = duplicate_of
    now = timezone.now()
    old = locked.status
    locked.status = status
    locked.updated_at = now
    if status in OPEN_STATUSES:
        locked.closed_at = None
    elif old in OPEN_STATUSES:
        locked.closed_at = now
    locked.save(update_fields=["status", "updated_at", "closed_at", "duplicate_of"])
    update = ReportUpdate.objects.create(
        report=locked,
        author=actor,
        public=True,
        text=note,
        old_status=old,
        new_status=status,
        created_at=now,
    )
    _notify_followers(update)
    moved = _merge_people(locked, duplicate_of) if status == Status.DUPLICATE else {}
    audit_record(
        action="needs.report_status_changed",
        actor=actor,
        obj=locked,
        data={
            "from": old,
            "to": status,
            "note": bool(note),
            **({"into": duplicate_of.pk, **moved} if duplicate_of and moved else {}),
        },
    )
    report.status, report.updated_at, report.closed_at = status, now, locked.closed_at
    report.duplicate_of = locked.duplicate_of
    return update


def _merge_people(duplicate: Report, into: Report | None) -> dict[str, int]:
    """Merging a duplicate: its supporters move to the original (once each); its reporter and
    followers also follow the original, and stay on the duplicate to hear of the merge."""
    assert into is not None
    already = set(ReportSupport.objects.filter(report=into).values_list("user_id", flat=True))
    moving = ReportSupport.objects.filter(report=duplicate).exclude(user_id__in=already)
    moved_supporters = moving.update(report=into)
    ReportSupport.objects.filter(report=duplicate).delete()
    people = set(ReportFollow.objects.filter(report=duplicate).values_list("user_id", flat=True))
    if duplicate.reporter_id is not None:
        people.add(duplicate.reporter_id)
    following = set(ReportFollow.objects.filter(report=into).values_list("user_id", flat=True))
    ReportFollow.objects.bulk_create(
        [ReportFollow(report=into, user_id=uid) for uid in sorted(people - following)]
    )
    for report in (duplicate, into):
        count = ReportSupport.objects.filter(report=report).count()
        Report.objects.filter(pk=report.pk).update(support_count=count)
        report.support_count = count
    return {"supporters_moved": moved_supporters, "followers_added": len(people - following)}


@transaction.atomic
def report_add_note(
    *, report: Report, actor: User | None, text: str, public: bool = True
) -> ReportUpdate:
    """A public update without a status change, or an internal note (``public=False``)."""
    actor = _require_triage(actor, report)
    text = (text or "").strip()
    if not text:
        raise DomainError("Write the note.", code="invalid", fields={"text": ["Required."]})
    if len(text) > MAX_NOTE:
        raise DomainError("The note is too long.", code="invalid")
    now = timezone.now()
    update = ReportUpdate.objects.create(
        report=report, author=actor, public=public, text=text, created_at=now
    )
    if public:
        Report.objects.filter(pk=report.pk).update(updated_at=now)
        _notify_followers(update)
    audit_record(
        action="needs.report_update_added" if public else "needs.report_note_added",
        actor=actor,
        obj=report,
        data={"public": public},
    )
    return update


@transaction.atomic
def report_reassign(*, report: Report, department: Department, actor: User | None) -> Report:
    actor = _require_triage(actor, report)
    old = report.department.code if report.department else None
    Report.objects.filter(pk=report.pk).update(department=department, updated_at=timezone.now())
    report.department = department
    audit_record(
        action="needs.report_reassigned",
        actor=actor,
        obj=report,
        data={"from": old, "to": department.code},
    )
    return report


@transaction.atomic
def report_set_priority(*, report: Report, priority: int, actor: User | None) -> Report:
    actor = _require_triage(actor, report)
    if priority not in PRIORITIES:
        raise DomainError("Unknown priority.", code="invalid")
    Report.objects.filter(pk=report.pk).update(priority=priority)
    report.priority = priority
    audit_record(
        action="needs.report_priority_set", actor=actor, obj=report, data={"priority": priority}
    )
    return report


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
        _, created = ReportFollow.objects.get_or_create(report=report, user=user)
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
