# The survey invitation SMS (event survey_invitation) in Persian, Arabic and English; the reminder
# uses the same text with a new link. Only missing rows are added; only unchanged rows removed.
# Frozen data.

from django.db import migrations

SMS = "sms"

# (event, channel, language) -> (subject, body)
TEMPLATES = {
    ("survey_invitation", SMS, "fa"): (
        "",
        "درخواست {{ tracking_code }} ({{ service_title }}) انجام شد. "
        "لطفاً در نظرسنجی کوتاه ما شرکت کنید:\n{{ link }}",
    ),
    ("survey_invitation", SMS, "ar"): (
        "",
        "تم إنجاز طلبك {{ tracking_code }} ({{ service_title }}). "
        "يرجى المشاركة في استبيان قصير:\n{{ link }}",
    ),
    ("survey_invitation", SMS, "en"): (
        "",
        "Request {{ tracking_code }} ({{ service_title }}) is complete. "
        "Please take our short survey:\n{{ link }}",
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
        ("surveys", "0002_default_survey"),
        ("notifications", "0003_default_templates"),
    ]

    operations = [
        migrations.RunPython(add_templates, remove_templates),
    ]
