# Every write appends an audit entry, and every index of the log is one more page it writes:
# the actor index becomes partial (entries of the system and of anonymous residents have no
# actor; a plain DROP INDEX in the database), and the hash is no longer unique: its index of
# random values cost every entry a page of its own, and the chain is the check that matters.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DROPPED = [
    "core_auditentry_actor_id_d8248cee",
]


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_department_names"),
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
                    model_name="auditentry",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="hash",
            field=models.CharField(max_length=64),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(
                condition=models.Q(("actor__isnull", False)),
                fields=["actor"],
                name="core_audit_actor",
            ),
        ),
    ]
