# The request permissions of the role groups (made by accounts 0003): desk operators file walk-in
# requests and read them; agents and supervisors read and move them; administrators hold every
# permission of the app. Frozen data: no app code imported.

from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("add", "change", "delete", "view")
MODELS = ("ticket", "attachment", "stagedupload")

ROLE_PERMISSIONS = {
    "operator": ("add_ticket", "view_ticket"),
    "agent": ("view_ticket", "change_ticket"),
    "supervisor": ("view_ticket", "change_ticket"),
    "admin": tuple(f"{action}_{model}" for model in MODELS for action in ALL),
}


def grant_permissions(apps, schema_editor):
    using = schema_editor.connection.alias
    app_config = apps.get_app_config("tickets")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        permissions = Permission.objects.using(using).filter(
            content_type__app_label="tickets", codename__in=codenames
        )
        if permissions.count() != len(codenames):
            raise RuntimeError(f"missing tickets permissions {codenames}")
        group.permissions.add(*permissions)


def revoke_permissions(apps, schema_editor):
    using = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(using).filter(content_type__app_label="tickets")
    for group in Group.objects.using(using).filter(name__in=ROLE_PERMISSIONS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0001_initial"),
        ("accounts", "0003_role_groups"),
    ]

    operations = [
        migrations.RunPython(grant_permissions, revoke_permissions),
    ]
