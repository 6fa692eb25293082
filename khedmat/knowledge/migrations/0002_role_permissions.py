# The knowledge permissions of the role groups (made by accounts 0003): agents and supervisors
# read every article (and so may link one to a request they see); supervisors and administrators
# write them. Agents hold no add_/delete_ permission (accounts' role policy).
# Frozen data: no app code imported.

from django.contrib.auth.management import create_permissions
from django.db import migrations

READ = ("view_category", "view_article", "view_articleversion", "view_articlefeedback",
        "view_articleticketlink")
WRITE = ("add_category", "change_category", "add_article", "change_article",
         "add_articleticketlink", "delete_articleticketlink")
ROLE_PERMISSIONS = {"agent": READ, "supervisor": READ + WRITE, "admin": READ + WRITE}


def grant_permissions(apps, schema_editor):
    using = schema_editor.connection.alias
    app_config = apps.get_app_config("knowledge")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        permissions = Permission.objects.using(using).filter(
            content_type__app_label="knowledge", codename__in=codenames
        )
        if permissions.count() != len(codenames):
            raise RuntimeError(f"missing knowledge permissions {codenames}")
        group.permissions.add(*permissions)


def revoke_permissions(apps, schema_editor):
    using = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(using).filter(content_type__app_label="knowledge")
    for group in Group.objects.using(using).filter(name__in=ROLE_PERMISSIONS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0001_articles"),
        ("accounts", "0003_role_groups"),
    ]

    operations = [migrations.RunPython(grant_permissions, revoke_permissions)]
