# Administrators design process definitions in the admin (the BPMN designer needs
# change_processdefinition); supervisors may read them. Frozen data: no app code imported.

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "admin": ("add_processdefinition", "change_processdefinition", "view_processdefinition"),
    "supervisor": ("view_processdefinition",),
}


def grant(apps, schema_editor):
    using = schema_editor.connection.alias
    app_config = apps.get_app_config("processes")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        permissions = Permission.objects.using(using).filter(
            content_type__app_label="processes", codename__in=codenames
        )
        if permissions.count() != len(codenames):
            raise RuntimeError(f"missing processes permissions {codenames}")
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    using = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        permissions = Permission.objects.using(using).filter(
            content_type__app_label="processes", codename__in=codenames
        )
        for group in Group.objects.using(using).filter(name=role):
            group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("processes", "0002_role_permissions"),
    ]

    operations = [
        migrations.RunPython(grant, revoke),
    ]
