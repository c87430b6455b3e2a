"""On SQLite the reports' ids are the table's rowid, without AUTOINCREMENT: reports are closed,
never deleted, and the keyword cost every submission a read and a write of sqlite_sequence."""

from django.db import migrations

import cocity.core.models


class Migration(migrations.Migration):
    dependencies = [
        ("needs", "0007_report_fewer_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="report",
            name="id",
            field=cocity.core.models.RowIdField(primary_key=True, serialize=False),
        ),
    ]
