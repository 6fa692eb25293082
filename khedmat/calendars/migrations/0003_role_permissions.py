# The role groups (accounts 0003) get the calendars' model permissions: administrators edit every
# calendar row; supervisors read them (agents and operators see due dates, not the admin). Frozen data.

from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("add", "change", "delete", "view")
MODELS = ("calendarscope", "unitplacement", "workweek", "workinghours", "hoursoverride", "holiday")

ROLE_PERMISSIONS = {
    "admin": {model: ALL for model in MODELS},
    "supervisor": {model: ("view",) for model in MODELS},
}


def grant(apps, schema_editor):
    using = schema_editor.connection.alias
    app_config = apps.get_app_config("calendars")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, by_model in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        for model, actions in by_model.items():
            codenames = [f"{action}_{model}" for action in actions]
            permissions = Permission.objects.using(using).filter(
                content_type__app_label="calendars",
                content_type__model=model,
                codename__in=codenames,
            )
            if permissions.count() != len(codenames):
                raise RuntimeError(f"missing permissions {codenames} for calendars.{model}")
            group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    using = schema_editor.connection.alias
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    permissions = Permission.objects.using(using).filter(content_type__app_label="calendars")
    for group in Group.objects.using(using).filter(name__in=ROLE_PERMISSIONS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_role_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("calendars", "0002_seed_iran"),
    ]

    operations = [
        migrations.RunPython(grant, revoke),
    ]
