# The ITSM permissions of the role groups (made by accounts 0003), the default impact × urgency
# priority matrix and the usual incident categories. Administrators edit all of it in the admin;
# this migration adds only what is missing. Frozen data: no app code imported.

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "operator": ("add_incident", "view_incident"),
    "agent": (
        "add_incident",
        "view_incident",
        "change_incident",
        "view_problem",
        "add_problem",
        "change_problem",
        "view_knownerror",
        "add_knownerror",
    ),
    "supervisor": (
        "add_incident",
        "view_incident",
        "change_incident",
        "declare_major_incident",
        "view_problem",
        "add_problem",
        "change_problem",
        "view_knownerror",
        "add_knownerror",
        "change_knownerror",
    ),
}

MATRIX = {
    ("high", "high"): "urgent",
    ("high", "medium"): "high",
    ("medium", "high"): "high",
    ("high", "low"): "normal",
    ("medium", "medium"): "normal",
    ("low", "high"): "normal",
    ("medium", "low"): "low",
    ("low", "medium"): "low",
    ("low", "low"): "low",
}

CATEGORIES = [
    ("hardware", "سخت‌افزار", "الأجهزة", "Hardware"),
    ("software", "نرم‌افزار و سامانه‌ها", "البرمجيات والأنظمة", "Software and systems"),
    ("network", "شبکه و اینترنت", "الشبكة والإنترنت", "Network and internet"),
    ("access", "دسترسی و حساب کاربری", "الوصول وحساب المستخدم", "Access and accounts"),
    ("email", "پست الکترونیک", "البريد الإلكتروني", "E-mail"),
    ("portal", "درگاه خدمات الکترونیک", "بوابة الخدمات الإلكترونية", "E-service portal"),
]


def grant(apps, schema_editor):
    using = schema_editor.connection.alias
    app_config = apps.get_app_config("itsm")
    # create_permissions skips an app without models_module (a historical app has none); put the
    # old value back so a test that runs this with the real registry leaves it as it was.
    previous = getattr(app_config, "models_module", None)
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    every = Permission.objects.using(using).filter(content_type__app_label="itsm")
    admin, _ = Group.objects.using(using).get_or_create(name="admin")
    admin.permissions.add(*every)
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        permissions = every.filter(codename__in=codenames)
        if permissions.count() != len(codenames):
            raise RuntimeError(f"missing itsm permissions {codenames}")
        group.permissions.add(*permissions)
    PriorityRule = apps.get_model("itsm", "PriorityRule")
    for (impact, urgency), priority in MATRIX.items():
        PriorityRule.objects.using(using).get_or_create(
            impact=impact, urgency=urgency, defaults={"priority": priority}
        )
    IncidentCategory = apps.get_model("itsm", "IncidentCategory")
    for position, (code, fa, ar, en) in enumerate(CATEGORIES):
        IncidentCategory.objects.using(using).get_or_create(
            code=code,
            defaults={"name_fa": fa, "name_ar": ar, "name_en": en, "position": position},
        )


def revoke(apps, schema_editor):
    using = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(using).filter(content_type__app_label="itsm")
    for group in Group.objects.using(using).filter(name__in=[*ROLE_PERMISSIONS, "admin"]):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("itsm", "0001_initial"),
        ("accounts", "0003_role_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
