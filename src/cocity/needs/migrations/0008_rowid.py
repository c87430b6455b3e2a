"""On SQLite the reports' ids are the table's rowid, without AUTOINCREMENT: reports are closed,
never deleted, and the keyword cost every submission a read and a write of sqlite_sequence."""

from django.db import migrations, models


class RowIdField(models.BigAutoField):
    """The key this migration gave the table: on SQLite the rowid, without AUTOINCREMENT
    (replaced by an ordinary BigAutoField in a later migration)."""

    def db_type_suffix(self, connection):
        if connection.vendor == "sqlite":
            return None
        return super().db_type_suffix(connection)


class Migration(migrations.Migration):
    dependencies = [
        ("needs", "0007_report_fewer_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="report",
            name="id",
            field=RowIdField(primary_key=True, serialize=False),
        ),
    ]
