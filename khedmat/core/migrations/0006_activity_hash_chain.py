# The audit trail's hash chain (khedmat.core.audit): each Activity row gets, once sealed, its place
# (seq, unique when set), the hash of the row before it and its own hash; an index of the rows
# still to seal. On PostgreSQL a trigger makes the table append-only: DELETE and TRUNCATE are
# refused, and UPDATE too except the seal itself (an unsealed row gets seq, prev_hash and hash,
# nothing else changes). A transaction that sets khedmat.audit_maintenance = 'on' goes through
# (demo data, tests); 'truncate' lets only TRUNCATE through (the test suite's flush). SQLite has
# no trigger (its flush deletes rows and it has no session setting to let it through).
# Administrators get core.view_access_log (who opened a record's personal data).
# Frozen data: no app code imported.

from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

POSTGRES_FORWARD = [
    """
    CREATE FUNCTION core_activity_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('khedmat.audit_maintenance', true) = 'on' THEN
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
            END IF;
            RETURN NEW;
        END IF;
        IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND NEW.seq IS NOT NULL
            AND to_jsonb(NEW) - 'seq' - 'prev_hash' - 'hash'
                = to_jsonb(OLD) - 'seq' - 'prev_hash' - 'hash' THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'core_activity is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE FUNCTION core_activity_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF coalesce(current_setting('khedmat.audit_maintenance', true), '')
                IN ('on', 'truncate') THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'core_activity is append-only: TRUNCATE refused'
            USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    "CREATE TRIGGER core_activity_append_only BEFORE UPDATE OR DELETE ON core_activity "
    "FOR EACH ROW EXECUTE FUNCTION core_activity_append_only()",
    "CREATE TRIGGER core_activity_no_truncate BEFORE TRUNCATE ON core_activity "
    "FOR EACH STATEMENT EXECUTE FUNCTION core_activity_no_truncate()",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS core_activity_no_truncate ON core_activity",
    "DROP TRIGGER IF EXISTS core_activity_append_only ON core_activity",
    "DROP FUNCTION IF EXISTS core_activity_no_truncate()",
    "DROP FUNCTION IF EXISTS core_activity_append_only()",
]


def _run(statements):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement, params=None)

    return run


def grant_access_log(apps, schema_editor):  # type: ignore[no-untyped-def]
    using = schema_editor.connection.alias
    app_config = apps.get_app_config("core")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.using(using).get(
        content_type__app_label="core", codename="view_access_log"
    )
    group, _ = Group.objects.using(using).get_or_create(name="admin")
    group.permissions.add(permission)


def revoke_access_log(apps, schema_editor):  # type: ignore[no-untyped-def]
    using = schema_editor.connection.alias
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.using(using).filter(
        content_type__app_label="core", codename="view_access_log"
    ).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0005_activity_drop_leading_key_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("accounts", "0003_role_groups"),
        # Data migrations that rewrite Activity rows run before the trigger refuses it.
        ("itsm", "0007_saved_views_in_core"),
        ("knowledge", "0003_dotted_activity_verbs"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='activity',
            options={'ordering': ['-created_at', '-id'], 'permissions': [('view_access_log', "Can see who viewed a record's personal data")], 'verbose_name': 'activity', 'verbose_name_plural': 'activities'},
        ),
        migrations.AddField(
            model_name='activity',
            name='hash',
            field=models.CharField(blank=True, max_length=64, null=True, verbose_name='hash'),
        ),
        migrations.AddField(
            model_name='activity',
            name='prev_hash',
            field=models.CharField(blank=True, max_length=64, null=True, verbose_name='previous hash'),
        ),
        migrations.AddField(
            model_name='activity',
            name='seq',
            field=models.BigIntegerField(blank=True, null=True, verbose_name='chain position'),
        ),
        migrations.AddIndex(
            model_name='activity',
            index=models.Index(condition=models.Q(('seq__isnull', True)), fields=['id'], name='core_activity_unsealed_idx'),
        ),
        migrations.AddConstraint(
            model_name='activity',
            constraint=models.UniqueConstraint(condition=models.Q(('seq__isnull', False)), fields=('seq',), name='core_activity_seq_uniq', violation_error_message='Two activity rows cannot hold the same chain position.'),
        ),
        migrations.RunPython(_run(POSTGRES_FORWARD), _run(POSTGRES_BACKWARD)),
        migrations.RunPython(grant_access_log, revoke_access_log),
    ]
