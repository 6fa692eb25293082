# The change permissions of the role groups (made by accounts 0003) and the default risk
# questionnaire. Administrators edit both in the admin; this migration adds only what is missing.
# Frozen data: no app code imported.

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "agent": ("view_change", "add_change", "change_change", "view_freezewindow"),
    "supervisor": ("view_change", "add_change", "change_change", "decide_change",
                   "view_freezewindow", "add_freezewindow", "change_freezewindow",
                   "view_changeboard", "view_changetemplate"),
}

# code: (fa, ar, en, [(value, fa, ar, en, points)])
YES_NO = lambda yes, no: [  # noqa: E731
    ("yes", "بله", "نعم", "Yes", yes),
    ("no", "خیر", "لا", "No", no),
]
QUESTIONS = {
    "downtime": ("آیا تغییر باعث قطع خدمت می‌شود؟", "هل يسبب التغيير انقطاع الخدمة؟",
                 "Will the change interrupt a service?", YES_NO(4, 0)),
    "tested": ("آیا تغییر در محیط آزمون امتحان شده است؟", "هل جُرّب التغيير في بيئة الاختبار؟",
               "Has the change been tried in a test environment?", YES_NO(0, 3)),
    "backout": ("آیا بازگرداندن تغییر کمتر از یک ساعت طول می‌کشد؟",
                "هل يستغرق التراجع عن التغيير أقل من ساعة؟",
                "Can the change be backed out in under an hour?", YES_NO(0, 3)),
    "users": ("چند کاربر تحت تأثیر قرار می‌گیرند؟", "كم مستخدمًا سيتأثر؟",
              "How many users are affected?", [
                  ("few", "کمتر از ۵۰", "أقل من ٥٠", "Fewer than 50", 0),
                  ("many", "۵۰ تا ۱۰۰۰", "من ٥٠ إلى ١٠٠٠", "50 to 1,000", 2),
                  ("all", "بیش از ۱۰۰۰ یا همه شهروندان", "أكثر من ١٠٠٠ أو كل المواطنين",
                   "More than 1,000 or every citizen", 4),
              ]),
    "done_before": ("آیا این تغییر پیش‌تر با موفقیت انجام شده است؟", "هل نُفّذ هذا التغيير بنجاح من قبل؟",
                    "Has this change been done successfully before?", YES_NO(0, 2)),
}


def grant(apps, schema_editor):
    using = schema_editor.connection.alias
    app_config = apps.get_app_config("changes")
    previous = getattr(app_config, "models_module", None)
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    every = Permission.objects.using(using).filter(content_type__app_label="changes")
    admin, _ = Group.objects.using(using).get_or_create(name="admin")
    admin.permissions.add(*every)
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        permissions = every.filter(codename__in=codenames)
        if permissions.count() != len(codenames):
            raise RuntimeError(f"missing changes permissions {codenames}")
        group.permissions.add(*permissions)
    RiskQuestion = apps.get_model("changes", "RiskQuestion")
    for position, (code, (fa, ar, en, answers)) in enumerate(QUESTIONS.items()):
        RiskQuestion.objects.using(using).get_or_create(
            code=code,
            defaults={
                "text_fa": fa,
                "text_ar": ar,
                "text_en": en,
                "position": position,
                "answers": [
                    {"value": v, "label_fa": lfa, "label_ar": lar, "label_en": len_, "points": p}
                    for v, lfa, lar, len_, p in answers
                ],
            },
        )


def revoke(apps, schema_editor):
    using = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(using).filter(content_type__app_label="changes")
    for group in Group.objects.using(using).filter(name__in=[*ROLE_PERMISSIONS, "admin"]):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("changes", "0002_initial"),
        ("accounts", "0003_role_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
