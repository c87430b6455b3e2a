"""Small helpers over Django's database layer for the few paths where the ORM's own cost shows
(a report submission is measured against one bare INSERT: bench/needs)."""

from __future__ import annotations

from django.db import connections
from django.db.models import Model

_insert_sql: dict[tuple[type[Model], str, tuple[str, ...]], str] = {}


def insert(obj: Model, *, using: str = "default") -> None:
    """INSERT a new instance in one statement and set its primary key, as ``save(force_insert=
    True)`` would, without compiling the statement on every call.

    Fields are prepared by their own ``pre_save`` and ``get_db_prep_save`` (JSON, time zones,
    foreign keys as in the ORM). Not for models whose ``save`` does more than store the row, nor
    for multi-table inheritance; no signals are sent (cocity keeps side effects in services)."""
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
        sql = "INSERT INTO {} ({}) VALUES ({}) RETURNING {}".format(
            quote(meta.db_table),
            ", ".join(quote(f.column) for f in fields),
            ", ".join(["%s"] * len(fields)),
            quote(pk.column),
        )
        _insert_sql[key] = sql
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    setattr(obj, pk.attname, row[0])
    obj._state.adding = False
    obj._state.db = using
