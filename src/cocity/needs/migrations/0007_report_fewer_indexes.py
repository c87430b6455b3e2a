# Every index of the reports table is one more page each submission writes: the single-column
# indexes of foreign keys that a composite index already leads with go, as does the unused
# phone_hash index and PostgreSQL's LIKE twins; reporter and duplicate_of get partial indexes
# holding only the reports that have one. The state changes are AlterFields; in the database
# they are plain DROP INDEX statements (on SQLite an AlterField would copy the table six times).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DROPPED = [
    "needs_report_api_key_id_2c08ca08",
    "needs_report_category_id_80e43e42",
    "needs_report_department_id_57f708d6",
    "needs_report_duplicate_of_id_114e56a1",
    "needs_report_phone_hash_3e183086",
    "needs_report_phone_hash_3e183086_like",
    "needs_report_reporter_id_8b8b3614",
    # PostgreSQL's LIKE twin of the unique token index: tokens are only ever matched whole
    "needs_report_tracking_token_63a1aed2_like",
]


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_department_names"),
        ("needs", "0006_category_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"', reverse_sql=migrations.RunSQL.noop
                )
                for name in DROPPED
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="report",
                    name="api_key",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="reports",
                        to="needs.open311key",
                    ),
                ),
                migrations.AlterField(
                    model_name="report",
                    name="category",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reports",
                        to="needs.servicecategory",
                    ),
                ),
                migrations.AlterField(
                    model_name="report",
                    name="department",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reports",
                        to="core.department",
                    ),
                ),
                migrations.AlterField(
                    model_name="report",
                    name="duplicate_of",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="duplicates",
                        to="needs.report",
                    ),
                ),
                migrations.AlterField(
                    model_name="report",
                    name="phone_hash",
                    field=models.CharField(blank=True, max_length=64),
                ),
                migrations.AlterField(
                    model_name="report",
                    name="reporter",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="needs_reports",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                condition=models.Q(("reporter__isnull", False)),
                fields=["reporter"],
                name="needs_report_reporter",
            ),
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                condition=models.Q(("duplicate_of__isnull", False)),
                fields=["duplicate_of"],
                name="needs_report_duplicate_of",
            ),
        ),
        # the nearby-duplicate lookup reads its candidates' points from the index, not the table
        migrations.RemoveIndex(model_name="report", name="needs_report_nearby"),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                fields=["category", "h3_cell", "status", "lat", "lon"], name="needs_report_nearby"
            ),
        ),
    ]
