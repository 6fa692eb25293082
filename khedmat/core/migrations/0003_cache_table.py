# The table of Django's database cache (settings.CACHES without KHEDMAT_CACHE_URL), created by
# `khedmat migrate` like every other table, so no deployment, demo or test run has to remember
# `createcachetable`. The name is khedmat.config.CACHE_TABLE, written out here so this migration
# never changes with the code.

from django.core.management.commands.createcachetable import Command
from django.db import migrations

CACHE_TABLE = "khedmat_cache"


def create_cache_table(apps, schema_editor):
    command = Command()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    quoted = schema_editor.connection.ops.quote_name(CACHE_TABLE)
    schema_editor.execute(f"DROP TABLE IF EXISTS {quoted}")


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_rate_limit_counter"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, drop_cache_table),
    ]
