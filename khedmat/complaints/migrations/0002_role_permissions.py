# The complaint permissions of the role groups (made by accounts 0003): desk operators file a
# walk-in's complaint and read complaints; agents and supervisors read and answer them;
# administrators hold every permission of the app. Frozen data: no app code imported.

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "operator": ("add_complaint", "view_complaint"),
    "agent": ("view_complaint", "change_complaint"),
    "supervisor": ("view_complaint", "change_complaint"),
    "admin": ("add_complaint", "change_complaint", "delete_complaint", "view_complaint"),
}


def grant_permissions(apps, schema_editor):
    using = schema_editor.connection.alias
    app_config = apps.get_app_config("complaints")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        permissions = Permission.objects.using(using).filter(
            content_type__app_label="complaints", codename__in=codenames
        )
        if permissions.count() != len(codenames):
            raise RuntimeError(f"missing complaints permissions {codenames}")
        group.permissions.add(*permissions)


def revoke_permissions(apps, schema_editor):
    using = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(using).filter(content_type__app_label="complaints")
    for group in Group.objects.using(using).filter(name__in=ROLE_PERMISSIONS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0001_initial"),
        ("accounts", "0003_role_groups"),
    ]

    operations = [
        migrations.RunPython(grant_permissions, revoke_permissions),
    ]
