"""Audit appends: the entry before is the last one by id (no head row), and on SQLite the log's
ids are the table's rowid, without AUTOINCREMENT (entries are never deleted)."""

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
        ("core", "0005_audit_lighter_indexes"),
    ]

    operations = [
        migrations.DeleteModel(name="AuditHead"),
        migrations.AlterField(
            model_name="auditentry",
            name="id",
            field=RowIdField(primary_key=True, serialize=False),
        ),
    ]
