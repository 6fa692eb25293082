"""Vendor indexes: on PostgreSQL pg_trgm, the `search_vector` column and GIN indexes; on SQLite FTS5.

Each operation does nothing on the other vendor, so both databases run the same migration graph.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "ALTER TABLE search_searchentry ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, key)) STORED",
    "CREATE INDEX search_entry_vector_idx ON search_searchentry USING gin (search_vector)",
    "CREATE INDEX search_entry_title_trgm_idx ON search_searchentry "
    "USING gin (title_key gin_trgm_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_entry_title_trgm_idx",
    "DROP INDEX IF EXISTS search_entry_vector_idx",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS search_vector",
]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(key, tokenize = 'unicode61 remove_diacritics 0')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS search_fts"]


def _run(statements_by_vendor):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_entry")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
