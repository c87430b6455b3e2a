# The description, group and keywords of a service category in the city's other languages,
# beside the default ones (which keep their text).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('needs', '0011_open311key_email_consent'),
    ]

    operations = [
        migrations.AddField(
            model_name='servicecategory',
            name='descriptions',
            field=models.JSONField(blank=True, default=dict, verbose_name='description in other languages'),
        ),
        migrations.AddField(
            model_name='servicecategory',
            name='groups',
            field=models.JSONField(blank=True, default=dict, verbose_name='group in other languages'),
        ),
        migrations.AddField(
            model_name='servicecategory',
            name='keywords_in_languages',
            field=models.JSONField(blank=True, default=dict, verbose_name='keywords in other languages'),
        ),
    ]
