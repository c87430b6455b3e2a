"""On PostgreSQL the index on a reading's time becomes a BRIN index: readings arrive roughly in
time order, so a block range summary answers time-range scans over all sensors at a fraction of
a B-tree's size and insert cost. (A sensor's own time ranges use the unique index.) SQLite keeps
the B-tree. And sensors' pages keep room for in-place updates of their latest values. The name stays ``reading_time``, as the model declares it."""

from django.db import migrations

TABLE = "sensing_reading"


def to_brin(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS reading_time")
    schema_editor.execute(
        f"CREATE INDEX reading_time ON {TABLE} USING brin (observed_at) "
        "WITH (pages_per_range = 32)"
    )
    # every write of readings updates its sensors' latest values: room on each page lets
    # PostgreSQL update a sensor in place (HOT) without touching its indexes
    schema_editor.execute("ALTER TABLE sensing_sensor SET (fillfactor = 70)")


def to_btree(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS reading_time")
    schema_editor.execute(f"CREATE INDEX reading_time ON {TABLE} (observed_at)")
    schema_editor.execute("ALTER TABLE sensing_sensor RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("sensing", "0002_subscriptions_evidence")]

    operations = [migrations.RunPython(to_brin, to_btree)]
