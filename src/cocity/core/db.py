"""Small helpers over Django's database layer for the few paths where the ORM's own cost shows
(a report submission is measured against one bare INSERT: bench/needs)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connections, transaction
from django.db.models import (
    AutoField,
    BigAutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    DateTimeField,
    EmailField,
    Field,
    FloatField,
    ForeignKey,
    IntegerField,
    Model,
    PositiveBigIntegerField,
    PositiveIntegerField,
    PositiveSmallIntegerField,
    SmallIntegerField,
    TextField,
)

# How a field's value reaches the database when it has the usual type: text, floats, booleans
# and integer keys as they are (their pre_save reads the attribute and their preparation converts
# to that type and back), integers and aware date-times through the backend's adapter alone (the
# rest of their preparation converts other types or warns about naive date-times). Other fields
# and values go through the field's own pre_save and get_db_prep_save.
_STR, _INT, _KEY, _FLOAT, _BOOL, _DATETIME = range(6)
_KINDS: dict[type[Field[Any, Any]], int] = {
    CharField: _STR,
    TextField: _STR,
    EmailField: _STR,
    FloatField: _FLOAT,
    BooleanField: _BOOL,
    IntegerField: _INT,
    SmallIntegerField: _INT,
    BigIntegerField: _INT,
    PositiveIntegerField: _INT,
    PositiveSmallIntegerField: _INT,
    PositiveBigIntegerField: _INT,
    DateTimeField: _DATETIME,
}

_EXACT = {_KEY: int, _FLOAT: float, _BOOL: bool}

# (model, vendor, columns) -> the INSERT statement
_insert_sql: dict[tuple[type[Model], str, tuple[str, ...]], str] = {}
# field -> its kind and the internal type of the integer it stores
_kinds: dict[Field[Any, Any], tuple[int | None, str]] = {}


def _kind(field: Field[Any, Any]) -> tuple[int | None, str]:
    if type(field) is ForeignKey:
        target = field.target_field
        return (_KEY if type(target) in (AutoField, BigAutoField) else None), ""
    if type(field) is DateTimeField and (field.auto_now or field.auto_now_add):
        return None, ""
    return _KINDS.get(type(field)), field.get_internal_type()


def _prepared(obj: Model, field: Field[Any, Any], ops: Any) -> Any:
    kind, internal = _kinds.get(field) or _kinds.setdefault(field, _kind(field))
    if kind is not None:
        value = getattr(obj, field.attname)
        if value is None:
            return None
        if kind == _STR:
            if isinstance(value, str):
                return value
        elif kind == _DATETIME:
            if type(value) is datetime and value.tzinfo is not None:
                return ops.adapt_datetimefield_value(value)
        elif kind == _INT:
            if type(value) is int:
                return ops.adapt_integerfield_value(value, internal)
        elif type(value) is _EXACT[kind]:
            return value
    return field.get_db_prep_save(field.pre_save(obj, True), ops.connection)


def values(obj: Model, fields: list[Field[Any, Any]], *, using: str = "default") -> list[Any]:
    """The values an INSERT of ``obj`` writes into ``fields``, prepared by the fields' own
    ``pre_save`` and ``get_db_prep_save`` (JSON, time zones, foreign keys as in the ORM), except
    that values of the usual type skip the steps that would leave them unchanged."""
    ops = connections[using].ops
    return [_prepared(obj, field, ops) for field in fields]


def insert_statement(obj: Model, *, using: str = "default") -> tuple[str, list[Any]]:
    """The INSERT of a new instance (its primary key too, when set) with its values, the
    statement built once per model and set of columns; it returns the primary key."""
    meta = obj._meta
    connection = connections[using]
    pk = meta.pk
    assert pk is not None
    assert not meta.parents, "single-table models only"
    fields = [
        f
        for f in meta.local_concrete_fields
        if not (f.primary_key and getattr(obj, f.attname) is None)
    ]
    key = (type(obj), connection.vendor, tuple(f.column for f in fields))
    sql = _insert_sql.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        sql = _insert_sql[key] = "INSERT INTO {} ({}) VALUES ({}) RETURNING {}".format(
            quote(meta.db_table),
            ", ".join(quote(f.column) for f in fields),
            ", ".join(["%s"] * len(fields)),
            quote(pk.column),
        )
    return sql, values(obj, fields, using=using)


def insert(obj: Model, *, using: str = "default") -> None:
    """INSERT a new instance in one statement and set its primary key, as ``save(force_insert=
    True)`` would, without compiling the statement on every call (values as ``values`` gives
    them). Not for models whose ``save`` does more than store the row, nor for multi-table
    inheritance; no signals are sent (cocity keeps side effects in services)."""
    sql, params = insert_statement(obj, using=using)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    setattr(obj, obj._meta.pk.attname, row[0])
    _stored(obj, using)


def _stored(obj: Model, using: str) -> None:
    obj._state.adding = False
    obj._state.db = using


def one_round_trip(*, using: str = "default") -> bool:
    """Whether ``execute_together`` sends its statements in one round trip here."""
    connection = connections[using]
    return (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and connection.get_autocommit()
    )


def execute_together(
    statements: list[tuple[str, list[Any]]],
    *,
    saved: Sequence[Model] = (),
    using: str = "default",
) -> None:
    """Run ``statements`` all or nothing, then mark the instances ``saved`` as stored.

    On PostgreSQL outside a transaction they go in one round trip: one simple query of several
    statements, which the server runs as one transaction (what Django's default client-side-
    binding cursor sends for an execute with several statements). Elsewhere they run one by one
    in a transaction. Results are not read: an INSERT's primary key must be set beforehand."""
    connection = connections[using]
    if one_round_trip(using=using):
        with connection.cursor() as cursor:
            cursor.execute(
                "; ".join(sql for sql, _ in statements), [p for _, ps in statements for p in ps]
            )
    else:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
    for obj in saved:
        _stored(obj, using)
