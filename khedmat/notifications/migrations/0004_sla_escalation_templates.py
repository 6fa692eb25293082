# Default templates for SLA escalation messages to staff (event "sla_escalation"), in Persian,
# Arabic and English, by SMS and email. Frozen data; administrators edit them in the admin.

from django.db import migrations

TEMPLATES = {
    ("sla_escalation", "sms", "fa"): (
        "",
        "هشدار سطح خدمت ({{ stage }}): {{ service_title }}"
        "{% if due_date %}\nموعد: {{ due_date }}{% endif %}\n{{ link }}",
    ),
    ("sla_escalation", "sms", "ar"): (
        "",
        "تنبيه مستوى الخدمة ({{ stage }}): {{ service_title }}"
        "{% if due_date %}\nالموعد: {{ due_date }}{% endif %}\n{{ link }}",
    ),
    ("sla_escalation", "sms", "en"): (
        "",
        "Service level {{ stage }}: {{ service_title }}"
        "{% if due_date %}\nDue by {{ due_date }}{% endif %}\n{{ link }}",
    ),
    ("sla_escalation", "email", "fa"): (
        "هشدار سطح خدمت: {{ service_title }}",
        "{% if name %}{{ name }} گرامی،\n\n{% endif %}"
        "یک زمان‌سنج سطح خدمت به مرحله‌ی «{{ stage }}» رسید: {{ service_title }}\n"
        "{% if due_date %}موعد: {{ due_date }}\n{% endif %}"
        "\nجزئیات: {{ link }}",
    ),
    ("sla_escalation", "email", "ar"): (
        "تنبيه مستوى الخدمة: {{ service_title }}",
        "{% if name %}السيد/السيدة {{ name }}،\n\n{% endif %}"
        "بلغ مؤقّت مستوى الخدمة مرحلة «{{ stage }}»: {{ service_title }}\n"
        "{% if due_date %}الموعد: {{ due_date }}\n{% endif %}"
        "\nالتفاصيل: {{ link }}",
    ),
    ("sla_escalation", "email", "en"): (
        "Service level alert: {{ service_title }}",
        "{% if name %}Dear {{ name }},\n\n{% endif %}"
        "A service-level clock reached {{ stage }}: {{ service_title }}\n"
        "{% if due_date %}Due by {{ due_date }}\n{% endif %}"
        "\nDetails: {{ link }}",
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
        ("notifications", "0003_default_templates"),
    ]

    operations = [
        migrations.RunPython(add_templates, remove_templates),
    ]
