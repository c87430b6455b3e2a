"""Writes of Open311 client keys."""

from __future__ import annotations

import secrets

from django.db import transaction

from cocity.core.errors import DomainError, full_clean
from cocity.core.models import User
from cocity.core.services import audit_record
from cocity.needs.models import Open311Key, open311_key_hash


@transaction.atomic
def open311_key_create(
    *, name: str, email_consent: bool = False, actor: User | None = None
) -> tuple[Open311Key, str]:
    """Issue a key to a client app. Returns the row and the key itself (shown once).
    ``email_consent``: the app asks its users whether they agree to e-mail updates before it
    sends their ``email``, so the reports it files get their updates by e-mail."""
    name = name.strip()
    if not name:
        raise DomainError("A key needs a name.", code="invalid", fields={"name": ["Required."]})
    key = secrets.token_urlsafe(24)
    row = Open311Key(
        name=name, key_hash=open311_key_hash(key), prefix=key[:8], email_consent=email_consent
    )
    full_clean(row)
    row.save()
    audit_record(
        action="needs.open311_key_created",
        actor=actor,
        obj=row,
        data={"name": name, "email_consent": email_consent},
    )
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
