"""The table of the shared database cache (settings.CACHES without REDIS_URL): rate-limit
counters must be seen by every worker, so the default cache lives in the database. Created
here so that it exists wherever ``migrate`` runs (``cocity demo``, tests, deployments), whatever
the cache configured today."""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

CACHE_TABLE = "cocity_cache"


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, False)


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    schema_editor.execute(f"DROP TABLE IF EXISTS {CACHE_TABLE}")


class Migration(migrations.Migration):
    dependencies = [("core", "0007_auditentry_autofield")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
