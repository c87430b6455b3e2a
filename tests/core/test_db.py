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


def test_insert_prepares_every_value_as_the_orm_does() -> None:
    """The shortcuts for values of the usual type give exactly what the fields' own methods
    give: text, a text enum, integers, floats (and an integer given for a float), keys, None,
    JSON, aware and naive date-times."""
    from django.db import connection
    from django.db.models import TextChoices

    class Colour(TextChoices):
        RED = "red"

    when = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
    entry = AuditEntry(
        created_at=when,
        actor_id=7,
        actor_label=Colour.RED,
        action="ñandú",
        object_id="",
        data={"a": [1, 2.5]},
        prev_hash="0" * 64,
        hash="a" * 64,
    )
    area = Area(code="x", name="X", boundary={}, centroid_lat=1, centroid_lon=2.5, population=3)
    for obj in (entry, area):
        for field in type(obj)._meta.local_concrete_fields:
            if field.primary_key:
                continue
            (ours,) = db.values(obj, [field])
            orm = field.get_db_prep_save(field.pre_save(obj, True), connection)
            # repr: PostgreSQL's JSON wrappers do not compare equal to each other
            assert (repr(ours), type(ours)) == (repr(orm), type(orm)), field.name
    naive = datetime(2026, 3, 1, 9, 30)  # the field's own handling, with its warning
    entry.created_at = naive
    field = AuditEntry._meta.get_field("created_at")
    with pytest.warns(RuntimeWarning, match="naive"):
        (ours,) = db.values(entry, [field])
    with pytest.warns(RuntimeWarning, match="naive"):
        assert ours == field.get_db_prep_save(naive, connection)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_execute_together_is_all_or_nothing_in_one_round_trip() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert db.one_round_trip()
    first = Area(code="a", name="A", boundary={}, centroid_lat=0, centroid_lon=0)
    clash = Area(code="a", name="Again", boundary={}, centroid_lat=0, centroid_lon=0)
    with CaptureQueriesContext(connection) as queries, pytest.raises(IntegrityError):
        db.execute_together([db.insert_statement(first), db.insert_statement(clash)])
    assert len(queries.captured_queries) == 1  # both statements in one execute
    assert not Area.objects.exists()  # the first INSERT went back with the second
    other = Area(code="b", name="B", boundary={}, centroid_lat=0, centroid_lon=0)
    db.execute_together([db.insert_statement(first), db.insert_statement(other)])
    assert sorted(Area.objects.values_list("code", flat=True)) == ["a", "b"]
    with transaction.atomic():
        assert not db.one_round_trip()  # inside a transaction, statement by statement
