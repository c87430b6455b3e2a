"""Audit appends: the entry before is the last one by id (no head row), and on SQLite the log's
ids are the table's rowid, without AUTOINCREMENT (entries are never deleted)."""

from django.db import migrations

import cocity.core.models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_audit_lighter_indexes"),
    ]

    operations = [
        migrations.DeleteModel(name="AuditHead"),
        migrations.AlterField(
            model_name="auditentry",
            name="id",
            field=cocity.core.models.RowIdField(primary_key=True, serialize=False),
        ),
    ]
