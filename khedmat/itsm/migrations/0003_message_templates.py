# Default message templates of incident events (SMS to the reporter; SMS and e-mail to the
# stakeholders of a major incident), in Persian, Arabic and English. Administrators edit them in
# the admin; this migration only adds missing rows and removes only rows it would have written
# unchanged. Frozen data.

from django.db import migrations

SMS, EMAIL = "sms", "email"

BODIES = {
    "incident_reported": (
        "گزارش شما ثبت شد: {{ title }}\nکد پیگیری: {{ tracking_code }}\n{{ link }}",
        "تم تسجيل بلاغك: {{ title }}\nرمز المتابعة: {{ tracking_code }}\n{{ link }}",
        "Your report was logged: {{ title }}\nTracking code: {{ tracking_code }}\n{{ link }}",
    ),
    "incident_status_changed": (
        "وضعیت گزارش {{ tracking_code }}: {{ status }}\n{{ link }}",
        "حالة البلاغ {{ tracking_code }}: {{ status }}\n{{ link }}",
        "Incident {{ tracking_code }} is now: {{ status }}\n{{ link }}",
    ),
    "incident_reply": (
        "پاسخ به گزارش {{ tracking_code }}:\n{{ reply }}\n{{ link }}",
        "رد على البلاغ {{ tracking_code }}:\n{{ reply }}\n{{ link }}",
        "Reply on incident {{ tracking_code }}:\n{{ reply }}\n{{ link }}",
    ),
    "incident_resolved": (
        "گزارش {{ tracking_code }} برطرف شد: {{ note }}\nاگر مشکل باقی است، آن را دوباره باز کنید:\n{{ link }}",
        "تم حل البلاغ {{ tracking_code }}: {{ note }}\nإذا بقيت المشكلة فأعد فتحه:\n{{ link }}",
        "Incident {{ tracking_code }} is resolved: {{ note }}\nIf it is not, reopen it:\n{{ link }}",
    ),
    "incident_closed": (
        "گزارش {{ tracking_code }} بسته شد.",
        "تم إغلاق البلاغ {{ tracking_code }}.",
        "Incident {{ tracking_code }} is closed.",
    ),
    "incident_merged": (
        "گزارش {{ tracking_code }} با گزارش {{ master }} یکی شد؛ پیگیری با کد {{ master }}.",
        "تم دمج البلاغ {{ tracking_code }} مع البلاغ {{ master }}؛ تابع بالرمز {{ master }}.",
        "Incident {{ tracking_code }} was merged into {{ master }}; follow {{ master }}.",
    ),
    "major_incident_update": (
        "رخداد عمده {{ tracking_code }} ({{ title }}):\n{{ update }}",
        "حادث كبير {{ tracking_code }} ({{ title }}):\n{{ update }}",
        "Major incident {{ tracking_code }} ({{ title }}):\n{{ update }}",
    ),
}
SUBJECTS = (
    "رخداد عمده {{ tracking_code }}",
    "حادث كبير {{ tracking_code }}",
    "Major incident {{ tracking_code }}",
)
LANGUAGES = ("fa", "ar", "en")


def rows():
    for event, bodies in BODIES.items():
        for language, body in zip(LANGUAGES, bodies, strict=True):
            yield event, SMS, language, "", body
            if event != "incident_closed":
                subject = SUBJECTS[LANGUAGES.index(language)] if event.startswith("major") else ""
                yield event, EMAIL, language, subject or "{{ tracking_code }}: {{ title }}", body


def add_templates(apps, schema_editor):
    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    using = schema_editor.connection.alias
    for event, channel, language, subject, body in rows():
        MessageTemplate.objects.using(using).get_or_create(
            event=event,
            channel=channel,
            language=language,
            defaults={"subject": subject, "body": body},
        )


def remove_templates(apps, schema_editor):
    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    using = schema_editor.connection.alias
    for event, channel, language, subject, body in rows():
        MessageTemplate.objects.using(using).filter(
            event=event, channel=channel, language=language, subject=subject, body=body
        ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("itsm", "0002_roles_matrix_categories"),
        ("notifications", "0003_default_templates"),
    ]

    operations = [migrations.RunPython(add_templates, remove_templates)]
