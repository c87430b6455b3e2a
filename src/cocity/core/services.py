"""Writes of the core app. Every change of public state records an audit entry."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, cast

from allauth.account.models import EmailAddress
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from cocity.compute import audit as chain
from cocity.compute.gazetteer import PlaceRow
from cocity.compute.geo import GeometryError, area_km2, parse_boundary
from cocity.core import selectors
from cocity.core.errors import Conflict, DomainError, full_clean
from cocity.core.models import (
    Area,
    AuditEntry,
    ConsentPurpose,
    ConsentRecord,
    Department,
    Organisation,
    Place,
    Revision,
    Role,
    ScheduledJob,
    User,
)

#: the periodic jobs' log lines (queued, done, failed)
schedule_log = logging.getLogger("cocity.schedule")

# --- audit log --------------------------------------------------------------------------------


#: the longest reason a moderator may give for a rejection (statements, comments)
REJECTION_REASON_MAX_LENGTH = 500


def rejection_reason_clean(reason: str, *, rejecting: bool) -> str:
    """A moderator's reason with its spaces tidied; a rejection needs one (its author reads
    it), and it has at most REJECTION_REASON_MAX_LENGTH characters."""
    reason = " ".join((reason or "").split())
    if rejecting and not reason:
        raise DomainError(
            _("Give a reason for the rejection: its author will read it."),
            code="reason_required",
            fields={"reason": [_("Give a reason.")]},
        )
    if len(reason) > REJECTION_REASON_MAX_LENGTH:
        raise DomainError(
            _("A reason has at most %(max)d characters.") % {"max": REJECTION_REASON_MAX_LENGTH},
            code="invalid",
            fields={"reason": [_("Too long.")]},
        )
    return reason


def audit_payload(entry: AuditEntry) -> dict[str, Any]:
    """What the hash of a stored entry covers (``_payload``)."""
    return _payload(
        entry.created_at,
        entry.actor_label,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.data,
    )


def _payload(
    created_at: datetime,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    data: Any,
) -> dict[str, Any]:
    """What an entry's hash covers. Kept in one place so writing and verifying never disagree."""
    return {
        "created_at": created_at.isoformat(),
        "actor": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "data": data,
    }


_JSON_SCALARS = (str, int, float, bool, type(None))


def _json_data(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """``data`` as it will read back from the database, so the stored payload is exactly what
    was hashed: a round trip through JSON, unless it is already text keys and plain values."""
    data = dict(data or {})
    if all(type(k) is str and type(v) in _JSON_SCALARS for k, v in data.items()):
        return data
    return json.loads(json.dumps(data, default=str))


# the key of the PostgreSQL advisory lock that appends queue on ("cocity" in ASCII)
AUDIT_LOCK = 0x636F63697479
# One INSERT appends an entry and links it to the last one by id: the database computes the new
# hash from the one before and the canonical JSON of the new entry, sha256(prev_hash + newline +
# payload), as compute.audit does. SQLite has no sha256: ``sha256_hex`` is registered on each
# new connection (``audit_sql_functions``). Reading the last entry in the INSERT is safe only
# while no other append can commit in between (``core.checks`` verifies the settings for it).
_APPEND = (
    "INSERT INTO core_auditentry (created_at, actor_id, actor_label, action, object_type, "
    "object_id, data, prev_hash, hash) SELECT %s, %s, %s, %s, %s, %s, %s, last.hash, {link} "
    "FROM (SELECT coalesce((SELECT hash FROM core_auditentry ORDER BY id DESC LIMIT 1), %s) "
    "AS hash) last"
)
_APPEND_SQL = {
    "sqlite": _APPEND.format(link="sha256_hex(last.hash || char(10) || %s)"),
    "postgresql": _APPEND.format(
        link="encode(sha256(convert_to(last.hash || E'\\n' || %s, 'UTF8')), 'hex')"
    ),
}


def sha256_hex(text: str) -> str:
    """The hex SHA-256 of the text's UTF-8 bytes (SQL ``sha256_hex`` on SQLite)."""
    return hashlib.sha256(text.encode()).hexdigest()


def audit_sql_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: give each new SQLite connection ``sha256_hex``."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("sha256_hex", 1, sha256_hex, deterministic=True)


def audit_record(
    *,
    action: str,
    actor: User | None = None,
    obj: Any = None,
    data: Mapping[str, Any] | None = None,
) -> None:
    """Append one entry to the chained audit log, inside the caller's transaction (or its own).

    Appends queue one at a time until the commit, so the chain never forks: on SQLite the
    transaction holds the database's write lock from its ``BEGIN IMMEDIATE``; on PostgreSQL the
    append first takes a transaction-level advisory lock, and under READ COMMITTED the INSERT
    that follows sees the entry committed just before. The entry before is the last one by id,
    and the database links to it in the INSERT itself."""
    created_at = timezone.now()
    actor_id = actor.pk if actor is not None and actor.pk else None
    label = f"user:{actor_id}" if actor_id else "system"
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = str(obj.pk) if obj is not None else ""
    data = _json_data(data)
    payload = _payload(created_at, label, action, object_type, object_id, data)
    ops = connection.ops
    params = [
        ops.adapt_datetimefield_value(created_at),
        actor_id,
        label,
        action,
        object_type,
        object_id,
        ops.adapt_json_value(data, None),
        chain.canonical_text(payload),
        chain.GENESIS,
    ]
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_LOCK])
        cursor.execute(_APPEND_SQL[connection.vendor], params)


def audit_verify() -> chain.Break | None:
    """Walk the whole chain; return the first broken link or None."""
    rows = AuditEntry.objects.order_by("id").iterator(chunk_size=2000)
    return chain.verify_chain((e.pk, e.prev_hash, e.hash, audit_payload(e)) for e in rows)


# --- people -----------------------------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None,
    role: str = Role.RESIDENT,
    display_name: str = "",
    departments: list[Department] | None = None,
    organisations: list[Organisation] | None = None,
    actor: User | None = None,
) -> User:
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict("An account with this email address already exists.", code="email_taken")
    user = User(email=email, role=role, display_name=display_name)
    user.is_staff = user.is_superuser = role == Role.ADMIN
    user.set_password(password)
    full_clean(user, exclude=["password"])
    user.save()
    # accounts made by the city (administrators, seeders, imports) need no e-mail round trip
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if departments:
        user.departments.set(departments)
    if organisations:
        user.organisations.set(organisations)
    audit_record(action="user.created", actor=actor, obj=user, data={"role": role})
    return user


def user_remember_language(*, user: User, language: str) -> None:
    """The language the person last browsed in: later notifications and e-mails use it. A
    private preference, not public state: no audit entry."""
    from django.conf import settings

    if language not in dict(settings.LANGUAGES):
        return
    User.objects.filter(pk=user.pk).update(preferred_language=language)
    user.preferred_language = language


@transaction.atomic
def user_set_public_name(*, user: User, display_name: str) -> User:
    """The name shown next to the person's contributions; empty shows "Anonymous"."""
    user.display_name = " ".join((display_name or "").split())
    full_clean(user, exclude=["password"])
    user.save(update_fields=["display_name"])
    # the log is public: it says that the name changed, not what it is
    audit_record(action="user.public_name_changed", actor=user, obj=user)
    return user


@transaction.atomic
def user_set_role(*, user: User, role: str, actor: User | None) -> User:
    if role not in Role.values:
        raise DomainError(f"Unknown role: {role}", code="unknown_role")
    user.role = role
    user.is_staff = user.is_superuser = role == Role.ADMIN
    user.save(update_fields=["role", "is_staff", "is_superuser"])
    audit_record(action="user.role_changed", actor=actor, obj=user, data={"role": role})
    return user


# the fields of an account an administrator may change (``user_update``); the staff flags follow
# the role, the password changes through ``user_set_password``
USER_FIELDS = ("email", "display_name", "role", "home_area", "is_active")


@transaction.atomic
def user_update(
    *,
    user: User,
    actor: User | None,
    departments: Iterable[Department] | None = None,
    organisations: Iterable[Organisation] | None = None,
    **fields: Any,
) -> User:
    """An administrator's change to an account (the Django admin's user page): ``fields`` among
    ``USER_FIELDS``, and the memberships when given. One audit entry names what changed (the new
    values; nothing when nothing changed). The staff flags follow the role, as in
    ``user_set_role``."""
    unknown = set(fields) - set(USER_FIELDS)
    if unknown:
        raise DomainError(f"These account fields cannot be changed: {sorted(unknown)}")
    current = User.objects.get(pk=user.pk)
    if "email" in fields:
        fields["email"] = User.objects.normalize_email(fields["email"]).lower()
        if User.objects.filter(email__iexact=fields["email"]).exclude(pk=user.pk).exists():
            raise Conflict("An account with this email address already exists.", code="email_taken")
    if "role" in fields and fields["role"] not in Role.values:
        raise DomainError(f"Unknown role: {fields['role']}", code="unknown_role")
    changed: dict[str, Any] = {}
    for name, value in fields.items():
        if getattr(current, name) != value:
            changed[name] = value.pk if hasattr(value, "pk") else value
        setattr(user, name, value)
    user.is_staff = user.is_superuser = user.role == Role.ADMIN
    full_clean(user, exclude=["password"])
    user.save()
    for relation, given, label in (
        ("departments", departments, "code"),
        ("organisations", organisations, "slug"),
    ):
        if given is None:
            continue
        wanted = list(given)
        before = sorted(getattr(o, label) for o in getattr(current, relation).all())
        after = sorted(getattr(o, label) for o in wanted)
        if before != after:
            changed[relation] = after
        getattr(user, relation).set(wanted)
    if changed:
        audit_record(action="user.updated", actor=actor, obj=user, data=changed)
    return user


@transaction.atomic
def user_set_password(*, user: User, password: str | None, actor: User | None) -> User:
    """An administrator sets someone's password (the admin's password page); the audit entry
    says it changed, never what to. ``None`` leaves the account without a usable password."""
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(action="user.password_set", actor=actor, obj=user)
    return user


@transaction.atomic
def consent_grant(*, user: User, purpose: str) -> ConsentRecord:
    if purpose not in ConsentPurpose.values:
        raise DomainError(f"Unknown consent purpose: {purpose}", code="unknown_purpose")
    existing = ConsentRecord.objects.filter(user=user, purpose=purpose, withdrawn_at=None).first()
    if existing:
        return existing
    return ConsentRecord.objects.create(user=user, purpose=purpose, granted_at=timezone.now())


@transaction.atomic
def consent_withdraw(*, user: User, purpose: str) -> int:
    return ConsentRecord.objects.filter(user=user, purpose=purpose, withdrawn_at=None).update(
        withdrawn_at=timezone.now()
    )


# Apps add their personal data to the export here: name -> function(user) -> JSON-able data.
PERSONAL_DATA_EXPORTERS: dict[str, Any] = {}


def personal_data_export(*, user: User) -> dict[str, Any]:
    """Everything cocity holds about a person, as JSON-able data (GDPR art. 15/20)."""
    data: dict[str, Any] = {
        "account": {
            "email": user.email,
            "public_name": user.display_name,
            "role": user.role,
            "language": user.preferred_language,
            "joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "home_area": user.home_area.code if user.home_area else None,
            "departments": [d.code for d in user.departments.all()],
            "organisations": [o.slug for o in user.organisations.all()],
        },
        "consents": [
            {
                "purpose": c.purpose,
                "granted_at": c.granted_at.isoformat(),
                "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
            }
            for c in user.consents.all()
        ],
        "audit_entries": [
            {"at": e.created_at.isoformat(), "action": e.action, "object": e.object_type}
            for e in selectors.audit_entries_by(user=user)
        ],
    }
    for name, exporter in PERSONAL_DATA_EXPORTERS.items():
        data[name] = exporter(user)
    return data


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Delete the person, keep their public contributions under an anonymous name."""
    if user.anonymised_at:
        return
    user_id = user.pk
    user.email = f"deleted-{user_id}@invalid"
    user.display_name = ""
    user.preferred_language = ""
    user.home_area = None
    user.is_active = False
    user.is_staff = user.is_superuser = False
    user.anonymised_at = timezone.now()
    user.set_unusable_password()
    user.save()
    user.departments.clear()
    user.organisations.clear()
    user.consents.all().delete()
    user.notifications.all().delete()
    EmailAddress.objects.filter(user=user).delete()
    Token.objects.filter(user=user).delete()
    audit_record(action="user.anonymised", actor=None, obj=user)


# --- areas, departments, organisations ------------------------------------------------------


@transaction.atomic
def area_upsert(
    *,
    code: str,
    name: str,
    boundary: Mapping[str, Any],
    population: int = 0,
    demographics: Mapping[str, Any] | None = None,
    kind: str = Area.Kind.DISTRICT,
    parent: Area | None = None,
    actor: User | None = None,
) -> Area:
    try:
        geom = parse_boundary(boundary)
    except GeometryError as exc:
        raise DomainError(
            str(exc), code="invalid_geometry", fields={"boundary": [str(exc)]}
        ) from exc
    _validate_demographics(demographics or {})
    area = Area.objects.filter(code=code).first() or Area(code=code)
    created = area.pk is None
    area.name = name
    area.kind = kind
    area.parent = parent
    area.population = population
    area.demographics = dict(demographics or {})
    area.boundary = dict(boundary)
    area.centroid_lat = geom.centroid.y
    area.centroid_lon = geom.centroid.x
    area.area_km2 = round(area_km2(geom), 4)
    full_clean(area)
    area.save()
    revision_bump(selectors.AREAS_REVISION)  # every worker's index, this one's too, rebuilds
    audit_record(
        action="area.created" if created else "area.updated",
        actor=actor,
        obj=area,
        data={"code": code, "population": population},
    )
    return area


def place_import(
    *, rows: Iterable[PlaceRow], replace: bool = False, actor: User | None = None
) -> int:
    """Add the rows to the gazetteer (``replace``: instead of what it held), all or nothing,
    with one audit entry. A row whose name, number and kind are already there is skipped.
    Returns how many places were added."""
    from cocity.core.models import place_key

    rows = list(rows)
    index = selectors.area_index()
    areas = index.locate_many([r.lat for r in rows], [r.lon for r in rows]) if rows else []
    with transaction.atomic():
        if replace:
            Place.objects.all().delete()
        seen = set(Place.objects.values_list("key", "number", "kind"))
        new = []
        for row, area_id in zip(rows, areas, strict=True):
            key = place_key(row.name)
            if (key, row.number, row.kind) in seen:
                continue
            seen.add((key, row.number, row.kind))
            place = Place(
                name=row.name,
                number=row.number,
                kind=row.kind,
                lat=row.lat,
                lon=row.lon,
                area_id=cast(int | None, area_id),
                key=key,
            )
            # ranges were checked while reading; the database's constraints hold the rest
            full_clean(place, exclude=["area"], validate_constraints=False)
            new.append(place)
        Place.objects.bulk_create(new, batch_size=1000)
        revision_bump(selectors.PLACES_REVISION)
        audit_record(
            action="places.imported",
            actor=actor,
            data={"added": len(new), "rows": len(rows), "replace": replace},
        )
    return len(new)


def revision_bump(name: str) -> str:
    """Give ``name`` a new token (in the caller's transaction): every process's copy of what it
    names is then out of date, whatever the previous token was (no counter a rollback could
    bring back to a value some process has already seen)."""
    token = secrets.token_hex(16)
    Revision.objects.update_or_create(name=name, defaults={"token": token})
    return token


def _validate_demographics(demographics: Mapping[str, Any]) -> None:
    for key in ("age_bands",):
        bands = demographics.get(key)
        if bands is not None and (
            not isinstance(bands, Mapping)
            or not all(isinstance(v, int | float) and v >= 0 for v in bands.values())
        ):
            raise DomainError(f"'{key}' must map band names to non-negative shares.")
    quintiles = demographics.get("income_quintiles")
    if quintiles is not None and (
        not isinstance(quintiles, list)
        or len(quintiles) != 5
        or not all(isinstance(v, int | float) and v >= 0 for v in quintiles)
    ):
        raise DomainError("'income_quintiles' must be a list of five non-negative shares.")


@transaction.atomic
def areas_import_geojson(
    *, collection: Mapping[str, Any], actor: User | None = None, kind: str = Area.Kind.DISTRICT
) -> list[Area]:
    """Import a GeoJSON FeatureCollection: each feature needs ``properties.code`` and ``name``;
    optional ``population``, ``demographics``, ``parent`` (a code) and ``kind``. All or nothing."""
    if not isinstance(collection, Mapping) or collection.get("type") != "FeatureCollection":
        raise DomainError("The file must hold a GeoJSON FeatureCollection.", code="invalid_geojson")
    features = collection.get("features") or []
    if not features:
        raise DomainError("The FeatureCollection has no features.", code="invalid_geojson")
    areas: list[Area] = []
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        code = str(props.get("code") or "").strip()
        name = str(props.get("name") or "").strip()
        if not code or not name:
            raise DomainError(
                f"Feature {number} needs 'code' and 'name' properties.", code="invalid_geojson"
            )
        parent = None
        if props.get("parent"):
            parent = Area.objects.filter(code=props["parent"]).first()
            if parent is None:
                raise DomainError(f"Feature {number}: unknown parent area '{props['parent']}'.")
        try:
            population = int(props.get("population") or 0)
        except (TypeError, ValueError) as exc:
            raise DomainError(f"Feature {number}: population must be a whole number.") from exc
        if population < 0:
            raise DomainError(f"Feature {number}: population must not be negative.")
        try:
            areas.append(
                area_upsert(
                    code=code,
                    name=name,
                    boundary=feature.get("geometry") or {},
                    population=population,
                    demographics=props.get("demographics") or {},
                    kind=props.get("kind") or kind,
                    parent=parent,
                    actor=actor,
                )
            )
        except DomainError as exc:
            raise DomainError(f"Feature {number} ({code}): {exc.message}", code=exc.code) from exc
    return areas


def names_clean(names: Mapping[str, str]) -> dict[str, str]:
    """A name in the city's other languages (``NamedInLanguages.names``), checked: languages of
    ``COCITY_LANGUAGES``, 1–120 characters each."""
    from django.conf import settings

    languages = dict(settings.LANGUAGES)
    cleaned = {}
    for language, text in names.items():
        text = str(text or "").strip()
        if language not in languages or not text or len(text) > 120:
            raise DomainError(
                f"A name in another language needs one of {sorted(languages)} and 1–120 "
                "characters.",
                code="invalid",
                fields={"names": ["A known language and 1–120 characters."]},
            )
        cleaned[language] = text
    return cleaned


def texts_clean(texts: Mapping[str, str], *, field: str, max_length: int) -> dict[str, str]:
    """A text in the city's other languages (a description, a group…), checked: languages of
    ``COCITY_LANGUAGES`` other than the site's own (whose text is the default, kept beside),
    at most ``max_length`` characters. A blank text is left out: that language shows the
    default. An error names the field ``<field>_<language>`` (``description_es``)."""
    from django.conf import settings

    languages = dict(settings.LANGUAGES)
    cleaned = {}
    for language, text in texts.items():
        text = str(text or "").strip()
        if language not in languages or language == settings.LANGUAGE_CODE:
            others = sorted(set(languages) - {settings.LANGUAGE_CODE})
            raise DomainError(
                f"A {field} in another language needs one of {others}.",
                code="invalid",
                fields={f"{field}_{language}": [f"Not one of the other languages {others}."]},
            )
        if len(text) > max_length:
            raise DomainError(
                f"The {field} in {language} is longer than {max_length} characters.",
                code="invalid",
                fields={f"{field}_{language}": [f"At most {max_length} characters."]},
            )
        if text:
            cleaned[language] = text
    return cleaned


@transaction.atomic
def department_create(
    *,
    code: str,
    name: str,
    email: str = "",
    names: Mapping[str, str] | None = None,
    actor: User | None = None,
) -> Department:
    """A new department; ``names`` gives its name in the city's other languages."""
    dept = Department(code=code, name=name, email=email, names=names_clean(names or {}))
    full_clean(dept)
    dept.save()
    audit_record(action="department.created", actor=actor, obj=dept, data={"code": code})
    return dept


@transaction.atomic
def department_update(
    *,
    department: Department,
    name: str,
    email: str = "",
    names: Mapping[str, str] | None = None,
    actor: User | None = None,
) -> Department:
    """Rename a department or change its contact address (its code stays: URLs and imports
    name it)."""
    department.name = name
    department.email = email
    department.names = names_clean(names or {})
    full_clean(department)
    department.save()
    audit_record(
        action="department.updated",
        actor=actor,
        obj=department,
        data={"code": department.code, "name": name, "email": email},
    )
    return department


@transaction.atomic
def organisation_create(
    *,
    slug: str,
    name: str,
    description: str = "",
    area: Area | None = None,
    actor: User | None = None,
) -> Organisation:
    org = Organisation(slug=slug, name=name, description=description, area=area)
    full_clean(org)
    org.save()
    audit_record(action="organisation.created", actor=actor, obj=org, data={"slug": slug})
    return org


@transaction.atomic
def organisation_update(
    *,
    organisation: Organisation,
    name: str,
    description: str = "",
    area: Area | None = None,
    website: str = "",
    actor: User | None = None,
) -> Organisation:
    organisation.name = name
    organisation.description = description
    organisation.area = area
    organisation.website = website
    full_clean(organisation)
    organisation.save()
    audit_record(
        action="organisation.updated",
        actor=actor,
        obj=organisation,
        data={"slug": organisation.slug, "name": name, "area": area.code if area else None},
    )
    return organisation


# --- in-app notifications ---------------------------------------------------------------------
# Notifications are private to their recipient, not public state: no audit entry.


def notification_send(
    *,
    recipients: Iterable[User],
    verb: str,
    text: str,
    params: Mapping[str, Any] | None = None,
    link: str = "",
) -> int:
    """Give each person (once) an in-app notification. ``text`` is an English message marked
    with ``gettext_noop`` and ``%(name)s`` placeholders; it is translated when shown, so each
    person reads it in the language they browse in. Returns how many were created."""
    from cocity.core.models import Notification

    now = timezone.now()
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user.pk is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                recipient=user,
                verb=verb[:60],
                text=text[:300],
                params=dict(params or {}),
                link=link[:300],
                created_at=now,
            )
        )
    Notification.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one of the person's notifications read, or all of them (``notification_id=None``).
    Someone else's notification is never touched. Returns how many changed."""
    from cocity.core.models import Notification

    qs = Notification.objects.filter(recipient=user, read_at=None)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


def _notifications_export(user: User) -> list[dict[str, Any]]:
    return [
        {
            "at": n.created_at.isoformat(),
            "verb": n.verb,
            "message": n.message,
            "link": n.link,
            "read_at": n.read_at.isoformat() if n.read_at else None,
        }
        for n in selectors.notification_list(user=user)
    ]


PERSONAL_DATA_EXPORTERS["notifications"] = _notifications_export


# --- periodic jobs (core/scheduling.py) --------------------------------------------------------


def schedule_tick(*, now: datetime | None = None) -> list[str]:
    """One look at the clock: claim every enabled job whose slot has come and queue its run
    (``scheduled_job_task``). Any number of schedulers may tick at once: the claim is one
    conditional UPDATE, which only one of them can win per slot. Nothing runs under
    ``COCITY_SCHEDULER=off``. Returns the names queued."""
    from django.conf import settings
    from django.db.models import Q

    from cocity.core import scheduling
    from cocity.core.tasks import scheduled_job_task

    if not settings.COCITY_SCHEDULER:
        return []
    now = now or timezone.now()
    due = [job for job in scheduling.jobs() if job.enabled]
    claimed = dict(ScheduledJob.objects.values_list("name", "last_slot"))  # one read per tick
    new = [ScheduledJob(name=job.name) for job in due if job.name not in claimed]
    if new:
        ScheduledJob.objects.bulk_create(new, ignore_conflicts=True)
    queued: list[str] = []
    for job in due:
        slot = job.slot(now)
        before = claimed.get(job.name)
        if before is not None and before >= slot:
            continue  # already claimed (by this scheduler or another): no write at all
        row = ScheduledJob.objects.filter(name=job.name)
        won = row.filter(Q(last_slot__isnull=True) | Q(last_slot__lt=slot)).update(
            last_slot=slot, queued_at=now
        )
        if not won:
            continue  # another scheduler claimed it between the read and the update
        try:
            scheduled_job_task.enqueue(job.name)
        except Exception as exc:  # the queue is down: give the slot back, the next tick retries
            schedule_log.exception("periodic job %s: could not queue it", job.name)
            row.filter(last_slot=slot).update(
                last_slot=before, last_error_at=timezone.now(), last_error=f"not queued: {exc!r}"
            )
            continue
        schedule_log.info("periodic job %s queued (slot %s)", job.name, slot.isoformat())
        queued.append(job.name)
    return queued


def scheduled_job_run(*, name: str) -> ScheduledJob:
    """Run the periodic job ``name`` now, in this process, and record how it went (start,
    success with the last line it printed, or the error). A failure is logged and recorded, not
    raised: the caller goes on with the next job. ``KeyError`` for an unknown job."""
    import io

    from django.core.management import call_command
    from django.utils.module_loading import import_string

    from cocity.core import scheduling

    job = scheduling.job(name)
    ScheduledJob.objects.get_or_create(name=name)
    row = ScheduledJob.objects.filter(name=name)
    row.update(last_run_at=timezone.now())
    output = io.StringIO()
    try:
        if job.command:
            call_command(*job.command, stdout=output, stderr=output)
            result = output.getvalue()
        else:
            target = import_string(job.task)
            result = str(target.call() if hasattr(target, "call") else target())
    except (Exception, SystemExit) as exc:
        code = getattr(exc, "code", None)
        if isinstance(exc, SystemExit) and not code:
            result = output.getvalue()  # exit status 0: a success
        else:
            schedule_log.exception("periodic job %s failed", name)
            said = output.getvalue().strip()
            error = f"{type(exc).__name__}: {exc}" + (f"\n{said}" if said else "")
            row.update(last_error_at=timezone.now(), last_error=error[-4000:])
            return ScheduledJob.objects.get(name=name)
    lines = [line for line in result.splitlines() if line.strip()]
    last = lines[-1].strip() if lines else ""
    row.update(last_success_at=timezone.now(), last_result=last[:200])
    schedule_log.info("periodic job %s done: %s", name, last)
    return ScheduledJob.objects.get(name=name)
