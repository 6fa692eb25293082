# Destruction records are kept for good: on PostgreSQL a trigger refuses DELETE and TRUNCATE of
# retention_destructionrecord, and any UPDATE of a finished record (a run still counting updates
# its own unfinished record). A transaction that sets khedmat.audit_maintenance = 'on' goes
# through (demo data, tests); 'truncate' lets only TRUNCATE through (the test suite's flush), as
# for the audit trail (core 0006). SQLite has no trigger. Frozen: no app code imported.

from django.db import migrations

POSTGRES_FORWARD = [
    """
    CREATE FUNCTION retention_record_kept() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('khedmat.audit_maintenance', true) = 'on' THEN
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
            END IF;
            RETURN NEW;
        END IF;
        IF TG_OP = 'UPDATE' AND OLD.finished_at IS NULL THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'retention_destructionrecord is kept: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE FUNCTION retention_record_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF coalesce(current_setting('khedmat.audit_maintenance', true), '')
                IN ('on', 'truncate') THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'retention_destructionrecord is kept: TRUNCATE refused'
            USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    "CREATE TRIGGER retention_record_kept BEFORE UPDATE OR DELETE ON retention_destructionrecord "
    "FOR EACH ROW EXECUTE FUNCTION retention_record_kept()",
    "CREATE TRIGGER retention_record_no_truncate BEFORE TRUNCATE ON retention_destructionrecord "
    "FOR EACH STATEMENT EXECUTE FUNCTION retention_record_no_truncate()",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS retention_record_no_truncate ON retention_destructionrecord",
    "DROP TRIGGER IF EXISTS retention_record_kept ON retention_destructionrecord",
    "DROP FUNCTION IF EXISTS retention_record_no_truncate()",
    "DROP FUNCTION IF EXISTS retention_record_kept()",
]


def _run(statements):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("retention", "0002_default_rules_and_permissions")]

    operations = [migrations.RunPython(_run(POSTGRES_FORWARD), _run(POSTGRES_BACKWARD))]
