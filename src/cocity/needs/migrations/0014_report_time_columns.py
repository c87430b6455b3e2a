# Columns the database keeps from a report's times, for the equity aggregates: its UTC month and
# the buckets of its hours to a first response and to resolution (cocity.needs.durations; the
# expressions are frozen here as they were written: a change to them needs a new migration).

import cocity.needs.durations
import django.db.models.expressions
import django.db.models.lookups
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('needs', '0013_report_first_response'),
    ]

    operations = [
        migrations.AddField(
            model_name='report',
            name='created_month',
            field=models.GeneratedField(db_persist=True, expression=cocity.needs.durations.MonthNumber('created_at'), output_field=models.IntegerField()),
        ),
        migrations.AddField(
            model_name='report',
            name='resolution_bucket',
            field=models.GeneratedField(db_persist=True, expression=models.Case(models.When(django.db.models.lookups.LessThan(cocity.needs.durations.WholeHours(models.F('created_at'), models.F('closed_at')), 0), then=models.Value(0)), models.When(django.db.models.lookups.LessThan(cocity.needs.durations.WholeHours(models.F('created_at'), models.F('closed_at')), 48), then=cocity.needs.durations.WholeHours(models.F('created_at'), models.F('closed_at'))), models.When(django.db.models.lookups.LessThan(cocity.needs.durations.WholeHours(models.F('created_at'), models.F('closed_at')), 168), then=django.db.models.expressions.CombinedExpression(models.Value(48), '+', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(cocity.needs.durations.WholeHours(models.F('created_at'), models.F('closed_at')), '-', models.Value(48)), '/', models.Value(6)), '*', models.Value(6)))), models.When(django.db.models.lookups.LessThan(cocity.needs.durations.WholeHours(models.F('created_at'), models.F('closed_at')), 2160), then=django.db.models.expressions.CombinedExpression(models.Value(168), '+', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(cocity.needs.durations.WholeHours(models.F('created_at'), models.F('closed_at')), '-', models.Value(168)), '/', models.Value(24)), '*', models.Value(24)))), models.When(closed_at__isnull=False, then=models.Value(2160)), default=None, output_field=models.IntegerField()), output_field=models.IntegerField(null=True)),
        ),
        migrations.AddField(
            model_name='report',
            name='response_bucket',
            field=models.GeneratedField(db_persist=True, expression=models.Case(models.When(django.db.models.lookups.LessThan(cocity.needs.durations.WholeHours(models.F('created_at'), models.F('first_response_at')), 0), then=models.Value(0)), models.When(django.db.models.lookups.LessThan(cocity.needs.durations.WholeHours(models.F('created_at'), models.F('first_response_at')), 48), then=cocity.needs.durations.WholeHours(models.F('created_at'), models.F('first_response_at'))), models.When(django.db.models.lookups.LessThan(cocity.needs.durations.WholeHours(models.F('created_at'), models.F('first_response_at')), 168), then=django.db.models.expressions.CombinedExpression(models.Value(48), '+', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(cocity.needs.durations.WholeHours(models.F('created_at'), models.F('first_response_at')), '-', models.Value(48)), '/', models.Value(6)), '*', models.Value(6)))), models.When(django.db.models.lookups.LessThan(cocity.needs.durations.WholeHours(models.F('created_at'), models.F('first_response_at')), 2160), then=django.db.models.expressions.CombinedExpression(models.Value(168), '+', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(cocity.needs.durations.WholeHours(models.F('created_at'), models.F('first_response_at')), '-', models.Value(168)), '/', models.Value(24)), '*', models.Value(24)))), models.When(first_response_at__isnull=False, then=models.Value(2160)), default=None, output_field=models.IntegerField()), output_field=models.IntegerField(null=True)),
        ),
    ]
