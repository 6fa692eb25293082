# Default message templates for the first events, in Persian, Arabic and English. Administrators
# edit them in the admin (which checks length and variables); this migration only adds the rows
# that are missing and removes only rows it would have written unchanged. Frozen data.

from django.db import migrations

SMS = "sms"
EMAIL = "email"

# (event, channel, language) -> (subject, body)
TEMPLATES = {
    ("request_submitted", SMS, "fa"): (
        "",
        "درخواست شما برای «{{ service_title }}» ثبت شد.\n"
        "کد رهگیری: {{ tracking_code }}\n"
        "پیگیری: {{ link }}",
    ),
    ("request_submitted", SMS, "ar"): (
        "",
        "تم تسجيل طلبك «{{ service_title }}».\n"
        "رمز المتابعة: {{ tracking_code }}\n"
        "للمتابعة: {{ link }}",
    ),
    ("request_submitted", SMS, "en"): (
        "",
        "Your request for {{ service_title }} was received.\n"
        "Tracking code: {{ tracking_code }}\n"
        "Follow it: {{ link }}",
    ),
    ("stage_changed", SMS, "fa"): (
        "",
        "درخواست {{ tracking_code }} ({{ service_title }}): {{ stage }}"
        "{% if due_date %}\nموعد پاسخ: {{ due_date }}{% endif %}\n{{ link }}",
    ),
    ("stage_changed", SMS, "ar"): (
        "",
        "الطلب {{ tracking_code }} ({{ service_title }}): {{ stage }}"
        "{% if due_date %}\nالموعد المتوقع: {{ due_date }}{% endif %}\n{{ link }}",
    ),
    ("stage_changed", SMS, "en"): (
        "",
        "Request {{ tracking_code }} ({{ service_title }}): {{ stage }}"
        "{% if due_date %}\nDue by {{ due_date }}{% endif %}\n{{ link }}",
    ),
    ("request_returned", SMS, "fa"): (
        "",
        "درخواست {{ tracking_code }} برای اصلاح به شما بازگشت. لطفاً از این پیوند اقدام کنید:\n"
        "{{ link }}",
    ),
    ("request_returned", SMS, "ar"): (
        "",
        "أُعيد طلبك {{ tracking_code }} إليك للتصحيح. يرجى المتابعة عبر الرابط:\n{{ link }}",
    ),
    ("request_returned", SMS, "en"): (
        "",
        "Request {{ tracking_code }} was returned to you for correction. Please fix it here:\n"
        "{{ link }}",
    ),
    ("otp", SMS, "fa"): ("", "کد ورود شما به میز خدمت: {{ code }}\nاین کد را به کسی ندهید."),
    ("otp", SMS, "ar"): ("", "رمز الدخول إلى مكتب الخدمة: {{ code }}\nلا تشارك هذا الرمز مع أحد."),
    ("otp", SMS, "en"): ("", "Your service desk login code: {{ code }}\nDo not share it."),
    ("request_submitted", EMAIL, "fa"): (
        "ثبت درخواست {{ tracking_code }}",
        "{% if name %}{{ name }} گرامی،\n\n{% endif %}"
        "درخواست شما برای «{{ service_title }}» ثبت شد.\n"
        "کد رهگیری: {{ tracking_code }}\n"
        "{% if due_date %}موعد پاسخ: {{ due_date }}\n{% endif %}"
        "\nبرای پیگیری: {{ link }}",
    ),
    ("request_submitted", EMAIL, "ar"): (
        "تسجيل الطلب {{ tracking_code }}",
        "{% if name %}السيد/السيدة {{ name }}،\n\n{% endif %}"
        "تم تسجيل طلبك «{{ service_title }}».\n"
        "رمز المتابعة: {{ tracking_code }}\n"
        "{% if due_date %}الموعد المتوقع: {{ due_date }}\n{% endif %}"
        "\nللمتابعة: {{ link }}",
    ),
    ("request_submitted", EMAIL, "en"): (
        "Request {{ tracking_code }} received",
        "{% if name %}Dear {{ name }},\n\n{% endif %}"
        "Your request for {{ service_title }} was received.\n"
        "Tracking code: {{ tracking_code }}\n"
        "{% if due_date %}Due by {{ due_date }}\n{% endif %}"
        "\nFollow it: {{ link }}",
    ),
    ("stage_changed", EMAIL, "fa"): (
        "درخواست {{ tracking_code }}: {{ stage }}",
        "{% if name %}{{ name }} گرامی،\n\n{% endif %}"
        "وضعیت درخواست شما ({{ service_title }}) تغییر کرد: {{ stage }}\n"
        "{% if due_date %}موعد پاسخ: {{ due_date }}\n{% endif %}"
        "\nبرای پیگیری: {{ link }}",
    ),
    ("stage_changed", EMAIL, "ar"): (
        "الطلب {{ tracking_code }}: {{ stage }}",
        "{% if name %}السيد/السيدة {{ name }}،\n\n{% endif %}"
        "تغيّرت حالة طلبك ({{ service_title }}): {{ stage }}\n"
        "{% if due_date %}الموعد المتوقع: {{ due_date }}\n{% endif %}"
        "\nللمتابعة: {{ link }}",
    ),
    ("stage_changed", EMAIL, "en"): (
        "Request {{ tracking_code }}: {{ stage }}",
        "{% if name %}Dear {{ name }},\n\n{% endif %}"
        "Your request ({{ service_title }}) moved to: {{ stage }}\n"
        "{% if due_date %}Due by {{ due_date }}\n{% endif %}"
        "\nFollow it: {{ link }}",
    ),
}


def add_templates(apps, schema_editor):
    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    using = schema_editor.connection.alias
    for (event, channel, language), (subject, body) in TEMPLATES.items():
        MessageTemplate.objects.using(using).get_or_create(
            event=event,
            channel=channel,
            language=language,
            defaults={"subject": subject, "body": body},
        )


def remove_templates(apps, schema_editor):
    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    using = schema_editor.connection.alias
    for (event, channel, language), (subject, body) in TEMPLATES.items():
        MessageTemplate.objects.using(using).filter(
            event=event, channel=channel, language=language, subject=subject, body=body
        ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_role_permissions"),
    ]

    operations = [
        migrations.RunPython(add_templates, remove_templates),
    ]
