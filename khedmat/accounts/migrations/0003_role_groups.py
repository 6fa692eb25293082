# One group per role with the model permissions of the apps that exist now. Later apps add their
# own permissions to these groups in their own migrations. Frozen data: do not import app code.

from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("add", "change", "delete", "view")

ROLE_PERMISSIONS = {
    "applicant": {},
    "operator": {
        "accounts": {"user": ("view",), "orgunit": ("view",), "team": ("view",)},
        "core": {"activity": ("view",)},
    },
    "agent": {
        "accounts": {"user": ("view",), "orgunit": ("view",), "team": ("view",)},
        "core": {"activity": ("view",)},
    },
    "supervisor": {
        "accounts": {"user": ("view",), "orgunit": ("view",), "team": ("view", "change")},
        "core": {"activity": ("view",)},
    },
    "admin": {
        "accounts": {"user": ALL, "orgunit": ALL, "team": ALL, "loginfailure": ("view", "delete")},
        "core": {"activity": ("view",)},
        "auth": {"group": ("view",)},
        "otp_totp": {"totpdevice": ("view", "delete")},
    },
}


def _ensure_permissions(apps, using):
    # Permissions normally appear after all migrations (post_migrate); make them exist now.
    for label in ("auth", "accounts", "core", "otp_totp"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, using=using, apps=apps)
        app_config.models_module = None


def create_role_groups(apps, schema_editor):
    using = schema_editor.connection.alias
    _ensure_permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, by_app in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        for app_label, by_model in by_app.items():
            for model, actions in by_model.items():
                codenames = [f"{action}_{model}" for action in actions]
                permissions = Permission.objects.using(using).filter(
                    content_type__app_label=app_label,
                    content_type__model=model,
                    codename__in=codenames,
                )
                if permissions.count() != len(codenames):
                    raise RuntimeError(f"missing permissions {codenames} for {app_label}.{model}")
                group.permissions.add(*permissions)


def delete_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_login_failure"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_initial"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.RunPython(create_role_groups, delete_role_groups),
    ]
