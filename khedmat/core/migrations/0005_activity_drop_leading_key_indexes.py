# An Activity row's record type and actor keep their foreign keys but lose their own indexes:
# core_activity_timeline_idx leads with the record type and core_activity_actor_idx with the
# actor, so every change anywhere writes two index entries fewer. Only the indexes are dropped:
# AlterField would also drop, add and validate the keys again (and rebuild the table on SQLite).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = {
    "actor_id": "core_activity_actor_id_b1bb0ae3",
    "target_type_id": "core_activity_target_type_id_2e5c3f74",
}


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0004_saved_list_view"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "core_activity" ("{column}")',
                )
                for column, name in INDEXES.items()
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="activity",
                    name="actor",
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="actor"),
                ),
                migrations.AlterField(
                    model_name="activity",
                    name="target_type",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="contenttypes.contenttype", verbose_name="record type"),
                ),
            ],
        ),
    ]
