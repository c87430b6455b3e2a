"""Reports get an ordinary auto-increment key again."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("needs", "0008_rowid"),
    ]

    operations = [
        migrations.AlterField(
            model_name="report",
            name="id",
            field=models.BigAutoField(
                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
            ),
        ),
    ]
