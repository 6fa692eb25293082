# The notifications permissions of the role groups (made by accounts 0003): every staff role reads
# the outbox; supervisors and administrators resend failed messages; administrators edit templates
# and opt-outs. Frozen data: no app code imported.

from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("add", "change", "delete", "view")
READ = ("view_message",)

ROLE_PERMISSIONS = {
    "operator": READ,
    "agent": READ,
    "supervisor": (*READ, "resend_message", "view_messagetemplate", "view_optout"),
    "admin": (
        *READ,
        "resend_message",
        *(f"{action}_messagetemplate" for action in ALL),
        *(f"{action}_optout" for action in ALL),
    ),
}


def grant_permissions(apps, schema_editor):
    using = schema_editor.connection.alias
    app_config = apps.get_app_config("notifications")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        permissions = Permission.objects.using(using).filter(
            content_type__app_label="notifications", codename__in=codenames
        )
        if permissions.count() != len(codenames):
            raise RuntimeError(f"missing notifications permissions {codenames}")
        group.permissions.add(*permissions)


def revoke_permissions(apps, schema_editor):
    using = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(using).filter(content_type__app_label="notifications")
    for group in Group.objects.using(using).filter(name__in=ROLE_PERMISSIONS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("accounts", "0003_role_groups"),
    ]

    operations = [
        migrations.RunPython(grant_permissions, revoke_permissions),
    ]
