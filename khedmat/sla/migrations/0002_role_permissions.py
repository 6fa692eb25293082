# The SLA permissions of the role groups (made by accounts 0003): administrators edit policies and
# read clocks; supervisors read them and the compliance report. Frozen data: no app code imported.

from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("add", "change", "delete", "view")

ROLE_PERMISSIONS = {
    "supervisor": {
        "slapolicy": ("view",),
        "slatarget": ("view",),
        "slaescalation": ("view",),
        "slaclock": ("view", "view_sla_report"),
        "slaclocksegment": ("view",),
    },
    "admin": {
        "slapolicy": ALL,
        "slatarget": ALL,
        "slaescalation": ALL,
        "slaclock": ("view", "view_sla_report"),
        "slaclocksegment": ("view",),
    },
}


def _codename(action, model):
    return action if action.startswith("view_sla") else f"{action}_{model}"


def grant_permissions(apps, schema_editor):
    using = schema_editor.connection.alias
    app_config = apps.get_app_config("sla")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, by_model in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        for model, actions in by_model.items():
            codenames = [_codename(action, model) for action in actions]
            permissions = Permission.objects.using(using).filter(
                content_type__app_label="sla", content_type__model=model, codename__in=codenames
            )
            if permissions.count() != len(codenames):
                raise RuntimeError(f"missing permissions {codenames} for sla.{model}")
            group.permissions.add(*permissions)


def revoke_permissions(apps, schema_editor):
    using = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(using).filter(content_type__app_label="sla")
    for group in Group.objects.using(using).filter(name__in=ROLE_PERMISSIONS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):

    dependencies = [
        ("sla", "0001_policies_targets_clocks"),
        ("accounts", "0003_role_groups"),
    ]

    operations = [
        migrations.RunPython(grant_permissions, revoke_permissions),
    ]
