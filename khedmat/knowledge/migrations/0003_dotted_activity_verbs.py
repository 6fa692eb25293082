# The knowledge verbs move to the one style of every Activity verb (<noun>.<what_happened>,
# core.verbs): article_created -> article.created, and so on. Reversible.
# Frozen data: no app code imported.

from django.db import migrations

RENAMED = {
    "article_created": "article.created",
    "article_edited": "article.edited",
    "article_status_changed": "article.status_changed",
    "article_linked": "article.linked",
    "article_rated": "article.rated",
}


def rename(apps, schema_editor, mapping=RENAMED):
    activity = apps.get_model("core", "Activity")
    for old, new in mapping.items():
        activity.objects.filter(verb=old).update(verb=new)


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0002_role_permissions"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(rename, rename_back)]
