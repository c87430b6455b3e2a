# A report's first response (when it first left "submitted") kept on the report, filled for the
# reports answered before from their timeline: the earliest update that moved them out of
# "submitted".

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    Report = apps.get_model("needs", "Report")
    ReportUpdate = apps.get_model("needs", "ReportUpdate")
    answers = ReportUpdate.objects.filter(old_status="submitted").exclude(
        new_status__in=["", "submitted"]
    )
    first = answers.filter(report=OuterRef("pk")).order_by("created_at", "id")
    Report.objects.filter(pk__in=answers.values("report_id")).update(
        first_response_at=Subquery(first.values("created_at")[:1])
    )


class Migration(migrations.Migration):

    dependencies = [
        ('needs', '0012_category_texts_in_languages'),
    ]

    operations = [
        migrations.AddField(
            model_name='report',
            name='first_response_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
