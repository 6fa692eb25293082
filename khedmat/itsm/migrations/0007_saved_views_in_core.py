# Saved incident and problem lists move to the kernel's SavedListView (core), which every desk list
# shares. Every saved view is copied with its kind, name, query and date, and its Activity rows are
# pointed at the copy; then the ITSM table is dropped.

from django.db import migrations


def copy_views(apps, schema_editor):
    old_model = apps.get_model("itsm", "SavedListView")
    new_model = apps.get_model("core", "SavedListView")
    content_type = apps.get_model("contenttypes", "ContentType")
    activity = apps.get_model("core", "Activity")
    old_type = content_type.objects.filter(app_label="itsm", model="savedlistview").first()
    new_type = None
    if old_type is not None:
        new_type, _created = content_type.objects.get_or_create(
            app_label="core", model="savedlistview"
        )
    for view in old_model.objects.order_by("id"):
        copy = new_model.objects.create(
            user_id=view.user_id,
            kind=view.kind,
            name=view.name,
            query=view.query,
            created_at=view.created_at,
        )
        if old_type is not None:
            activity.objects.filter(target_type=old_type, target_id=str(view.pk)).update(
                target_type=new_type, target_id=str(copy.pk)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("itsm", "0006_cmdb_links"),
        ("core", "0004_saved_list_view"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(copy_views, migrations.RunPython.noop),
        migrations.DeleteModel(name="SavedListView"),
    ]
