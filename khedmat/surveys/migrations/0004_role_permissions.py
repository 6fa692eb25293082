# The survey permissions of the role groups (made by accounts 0003): supervisors and administrators
# read the survey report and the follow-ups and close follow-ups. Frozen data: no app code imported.

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = (
    "view_surveyinvitation",
    "view_surveyresponse",
    "view_surveyfollowup",
    "change_surveyfollowup",
)
ROLE_PERMISSIONS = {
    "supervisor": CODENAMES,
    "admin": CODENAMES,
}


def grant_permissions(apps, schema_editor):
    using = schema_editor.connection.alias
    app_config = apps.get_app_config("surveys")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        permissions = Permission.objects.using(using).filter(
            content_type__app_label="surveys", codename__in=codenames
        )
        if permissions.count() != len(codenames):
            raise RuntimeError(f"missing surveys permissions {codenames}")
        group.permissions.add(*permissions)


def revoke_permissions(apps, schema_editor):
    using = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(using).filter(
        content_type__app_label="surveys", codename__in=CODENAMES
    )
    for group in Group.objects.using(using).filter(name__in=ROLE_PERMISSIONS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0003_invitation_templates"),
        ("accounts", "0003_role_groups"),
    ]

    operations = [
        migrations.RunPython(grant_permissions, revoke_permissions),
    ]
