# Default SMS templates of complaint events, in Persian, Arabic and English. Administrators edit
# them in the admin; this migration only adds missing rows and removes only rows it would have
# written unchanged. Frozen data.

from django.db import migrations

SMS = "sms"

# (event, channel, language) -> (subject, body)
TEMPLATES = {
    ("complaint_filed", SMS, "fa"): (
        "",
        "شکایت شما ثبت شد.\nکد پیگیری شکایت: {{ tracking_code }}\n"
        "مهلت پاسخ: {{ deadline }}\n{{ link }}",
    ),
    ("complaint_filed", SMS, "ar"): (
        "",
        "تم تسجيل شكواك.\nرمز متابعة الشكوى: {{ tracking_code }}\n"
        "موعد الرد: {{ deadline }}\n{{ link }}",
    ),
    ("complaint_filed", SMS, "en"): (
        "",
        "Your complaint was received.\nComplaint code: {{ tracking_code }}\n"
        "Answer due by {{ deadline }}\n{{ link }}",
    ),
    ("complaint_answered", SMS, "fa"): (
        "",
        "به شکایت {{ tracking_code }} پاسخ داده شد. نتیجه را ببینید:\n{{ link }}",
    ),
    ("complaint_answered", SMS, "ar"): (
        "",
        "تم الرد على الشكوى {{ tracking_code }}. اطّلع على النتيجة:\n{{ link }}",
    ),
    ("complaint_answered", SMS, "en"): (
        "",
        "Complaint {{ tracking_code }} was answered. See the outcome:\n{{ link }}",
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
        ("complaints", "0002_role_permissions"),
        ("notifications", "0003_default_templates"),
    ]

    operations = [
        migrations.RunPython(add_templates, remove_templates),
    ]
