"""Sign-up now needs a verified e-mail address (ACCOUNT_EMAIL_VERIFICATION=mandatory, so that it
never reveals who is registered). Accounts the city made itself (seeders, administrators,
``createsuperuser``) had no allauth address row: theirs counts as verified, so they can still sign
in. Self-made accounts with an unverified address get a confirmation e-mail at their next
sign-in."""

from django.db import migrations


def verify_city_made(apps, schema_editor):  # type: ignore[no-untyped-def]
    User = apps.get_model("core", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    rows = [
        EmailAddress(user_id=pk, email=email, verified=True, primary=True)
        for pk, email in User.objects.filter(
            anonymised_at=None, emailaddress__isnull=True
        ).values_list("pk", "email")
    ]
    EmailAddress.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_cache_table"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(verify_city_made, migrations.RunPython.noop)]
