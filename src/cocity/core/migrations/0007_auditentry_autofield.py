"""Audit entries get an ordinary auto-increment key again."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_audit_append"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="id",
            field=models.BigAutoField(
                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
            ),
        ),
    ]
