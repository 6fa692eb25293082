# The default retention rules (docs/deployment.md gives the reasons of each period) and the
# retention permissions of the administrator role (made by accounts 0003). Frozen data: no app
# code imported. Records officers get them through the administrator role or a group of their own.

from django.contrib.auth.management import create_permissions
from django.db import migrations

# class of data, action, period in days, basis
DEFAULT_RULES = (
    ("requests", "anonymise", 5 * 365, "Default: five years after the request closed."),
    ("request_files", "delete", 2 * 365, "Default: two years after the request closed."),
    ("complaints", "anonymise", 5 * 365, "Default: five years after the decision."),
    ("incidents", "anonymise", 3 * 365, "Default: three years after the incident closed."),
    ("survey_responses", "anonymise", 2 * 365, "Default: two years after the answer."),
    ("messages", "delete", 180, "Default: six months after the message was written."),
    ("login_codes", "delete", 1, "Default: a day (a code lives two minutes)."),
    ("login_failures", "delete", 90, "Default: ninety days (security investigations)."),
    ("rate_limit_counters", "delete", 2, "Default: two days after the window closed."),
    ("inquiry_logs", "delete", 365, "Default: a year (reconciling with the agencies)."),
    ("finished_jobs", "delete", 30, "Default: thirty days after the job finished."),
)

ROLE_PERMISSIONS = {
    "admin": (
        "view_retentionrule",
        "add_retentionrule",
        "change_retentionrule",
        "view_legalhold",
        "add_legalhold",
        "change_legalhold",
        "view_destructionrecord",
        "view_retentionrun",
        "view_anonymisedrecord",
    ),
}


def add_rules(apps, schema_editor):
    using = schema_editor.connection.alias
    RetentionRule = apps.get_model("retention", "RetentionRule")
    for data_class, action, days, basis in DEFAULT_RULES:
        RetentionRule.objects.using(using).get_or_create(
            data_class=data_class,
            service=None,
            defaults={"action": action, "period_days": days, "basis": basis},
        )


def remove_rules(apps, schema_editor):
    using = schema_editor.connection.alias
    RetentionRule = apps.get_model("retention", "RetentionRule")
    classes = [row[0] for row in DEFAULT_RULES]
    RetentionRule.objects.using(using).filter(
        service=None, data_class__in=classes, records__isnull=True
    ).delete()


def grant_permissions(apps, schema_editor):
    using = schema_editor.connection.alias
    app_config = apps.get_app_config("retention")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        permissions = Permission.objects.using(using).filter(
            content_type__app_label="retention", codename__in=codenames
        )
        if permissions.count() != len(codenames):
            raise RuntimeError(f"missing retention permissions {codenames}")
        group.permissions.add(*permissions)


def revoke_permissions(apps, schema_editor):
    using = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(using).filter(content_type__app_label="retention")
    for group in Group.objects.using(using).filter(name__in=ROLE_PERMISSIONS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("retention", "0001_initial"),
        ("accounts", "0003_role_groups"),
    ]

    operations = [
        migrations.RunPython(add_rules, remove_rules),
        migrations.RunPython(grant_permissions, revoke_permissions),
    ]
