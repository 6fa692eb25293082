# The CMDB permissions of the role groups (made by accounts 0003) and the usual CI types with their
# attributes. Administrators edit all of it in the admin; this migration adds only what is missing.
# Frozen data: no app code imported.

from django.contrib.auth.management import create_permissions
from django.db import migrations

READ = ("view_configurationitem", "view_cirelation", "view_citype", "view_asset", "view_licence",
        "view_contract", "view_supplier")
WRITE = ("add_configurationitem", "change_configurationitem", "add_cirelation",
         "add_asset", "change_asset", "add_licence", "change_licence", "add_licenceassignment")
ROLE_PERMISSIONS = {
    "operator": ("view_configurationitem",),
    "agent": READ + WRITE,
    # agents delete nothing: removing a relation or taking a licence seat back is a supervisor's
    "supervisor": READ + WRITE + ("add_contract", "change_contract", "add_supplier",
                                  "change_supplier", "delete_configurationitem",
                                  "delete_cirelation", "delete_licenceassignment",
                                  "add_citype", "change_citype"),
}

# code: (fa, ar, en, is_service, [(attribute code, fa, ar, en, kind, required, choices)])
TYPES = {
    "service": ("خدمت", "خدمة", "Business service", True, []),
    "application": ("نرم‌افزار کاربردی", "تطبيق", "Application", False, [
        ("version", "نسخه", "الإصدار", "Version", "text", False, []),
        ("url", "نشانی", "العنوان", "Address", "text", False, []),
    ]),
    "server": ("سرور", "خادم", "Server", False, [
        ("ip", "نشانی IP", "عنوان IP", "IP address", "text", True, []),
        ("os", "سیستم‌عامل", "نظام التشغيل", "Operating system", "choice", False,
         ["Debian", "Ubuntu", "RHEL", "Windows Server"]),
        ("cpu", "هسته‌های پردازنده", "أنوية المعالج", "CPU cores", "number", False, []),
        ("ram_gb", "حافظه (گیگابایت)", "الذاكرة (غيغابايت)", "Memory (GB)", "number", False, []),
    ]),
    "database": ("پایگاه داده", "قاعدة بيانات", "Database", False, [
        ("engine", "موتور", "المحرك", "Engine", "choice", True,
         ["PostgreSQL", "Oracle", "SQL Server", "MySQL"]),
        ("version", "نسخه", "الإصدار", "Version", "text", False, []),
    ]),
    "network": ("پیوند شبکه", "وصلة شبكة", "Network link", False, [
        ("bandwidth_mbps", "پهنای باند (مگابیت)", "عرض النطاق (ميغابت)", "Bandwidth (Mbps)",
         "number", False, []),
        ("provider", "ارائه‌دهنده", "المزوّد", "Provider", "text", False, []),
    ]),
    "storage": ("ذخیره‌ساز", "وحدة تخزين", "Storage", False, [
        ("capacity_tb", "ظرفیت (ترابایت)", "السعة (تيرابايت)", "Capacity (TB)", "number", False, []),
    ]),
    "network_device": ("تجهیز شبکه", "جهاز شبكة", "Network device", False, [
        ("ip", "نشانی IP", "عنوان IP", "IP address", "text", False, []),
    ]),
}


def grant(apps, schema_editor):
    using = schema_editor.connection.alias
    app_config = apps.get_app_config("cmdb")
    previous = getattr(app_config, "models_module", None)
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    every = Permission.objects.using(using).filter(content_type__app_label="cmdb")
    admin, _ = Group.objects.using(using).get_or_create(name="admin")
    admin.permissions.add(*every)
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        permissions = every.filter(codename__in=codenames)
        if permissions.count() != len(set(codenames)):
            raise RuntimeError(f"missing cmdb permissions {codenames}")
        group.permissions.add(*permissions)
    CiType = apps.get_model("cmdb", "CiType")
    CiAttribute = apps.get_model("cmdb", "CiAttribute")
    for position, (code, (fa, ar, en, is_service, attributes)) in enumerate(TYPES.items()):
        ci_type, _ = CiType.objects.using(using).get_or_create(
            code=code,
            defaults={"name_fa": fa, "name_ar": ar, "name_en": en, "is_service": is_service,
                      "position": position},
        )
        for index, (acode, afa, aar, aen, kind, required, choices) in enumerate(attributes):
            CiAttribute.objects.using(using).get_or_create(
                ci_type=ci_type,
                code=acode,
                defaults={"name_fa": afa, "name_ar": aar, "name_en": aen, "kind": kind,
                          "required": required, "choices": choices, "position": index},
            )


def revoke(apps, schema_editor):
    using = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(using).filter(content_type__app_label="cmdb")
    for group in Group.objects.using(using).filter(name__in=[*ROLE_PERMISSIONS, "admin"]):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("cmdb", "0001_initial"),
        ("accounts", "0003_role_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
