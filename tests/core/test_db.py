from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction

from cocity.core import db
from cocity.core.models import Area, AuditEntry

pytestmark = pytest.mark.django_db


def test_insert_stores_what_the_orm_would_and_sets_the_key() -> None:
    when = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
    fast = AuditEntry(
        created_at=when,
        action="test.fast",
        data={"ñ": [1, 2.5, None], "nested": {"a": "b"}},
        prev_hash="0" * 64,
        hash="a" * 64,
    )
    db.insert(fast)
    assert fast.pk is not None
    assert not fast._state.adding
    orm = AuditEntry.objects.create(
        created_at=when, action="test.orm", data=fast.data, prev_hash="0" * 64, hash="b" * 64
    )
    assert orm.pk == fast.pk + 1
    stored = AuditEntry.objects.get(pk=fast.pk)
    assert (stored.created_at, stored.data, stored.actor_id) == (when, fast.data, None)
    assert AuditEntry.objects.get(pk=orm.pk).data == stored.data


def test_insert_applies_field_defaults_and_raises_integrity_errors() -> None:
    area = Area(code="x", name="X", boundary={"type": "Polygon"}, centroid_lat=0, centroid_lon=0)
    db.insert(area)
    stored = Area.objects.get(pk=area.pk)
    assert (stored.population, stored.demographics, stored.kind) == (0, {}, "district")
    with pytest.raises(IntegrityError), transaction.atomic():
        db.insert(Area(code="x", name="Again", boundary={}, centroid_lat=0, centroid_lon=0))
    assert Area.objects.count() == 1
