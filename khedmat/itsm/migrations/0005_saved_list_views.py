# Saved incident views become saved list views (incidents or problems): the model is renamed, so
# every saved view is kept, as an incident view; the inbox sorts incidents by promised time.

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("itsm", "0004_saved_incident_views"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="savedincidentview", name="itsm_saved_view_name_uniq"
        ),
        migrations.RenameModel(old_name="SavedIncidentView", new_name="SavedListView"),
        migrations.AlterModelOptions(
            name="savedlistview",
            options={
                "ordering": ["name", "id"],
                "verbose_name": "saved list view",
                "verbose_name_plural": "saved list views",
            },
        ),
        migrations.AlterField(
            model_name="savedlistview",
            name="user",
            field=models.ForeignKey(
                db_index=False,
                on_delete=models.deletion.CASCADE,
                related_name="saved_itsm_views",
                to=settings.AUTH_USER_MODEL,
                verbose_name="user",
            ),
        ),
        migrations.AddField(
            model_name="savedlistview",
            name="kind",
            field=models.CharField(
                choices=[("incidents", "Incidents"), ("problems", "Problems")],
                default="incidents",
                max_length=16,
                verbose_name="list",
            ),
        ),
        migrations.AddConstraint(
            model_name="savedlistview",
            constraint=models.UniqueConstraint(
                fields=("user", "kind", "name"),
                name="itsm_saved_view_kind_name_uniq",
                violation_error_message="You already have a view with this name.",
            ),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(fields=["promised_at", "id"], name="itsm_incident_promised_idx"),
        ),
    ]
