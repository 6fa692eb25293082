"""PostgreSQL: a partial GIN index on search_vector per searchable kind (no-op on SQLite).

One table holds every kind; without these, a query for 10,000 articles walks the matches of a
million requests. The backend writes the kind as a literal, so generic plans use them too.
"""

from django.db import migrations

KINDS = ("article", "request", "service")


def _forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for kind in KINDS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS search_entry_{kind}_vector_idx ON search_searchentry "
            f"USING gin (search_vector) WHERE kind = '{kind}'"
        )


def _backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for kind in KINDS:
        schema_editor.execute(f"DROP INDEX IF EXISTS search_entry_{kind}_vector_idx")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_vendor_indexes")]

    operations = [migrations.RunPython(_forward, _backward)]
