# Default templates telling a staff member that their sign-in details changed (event
# "security_changed": the password or the authenticator), so a change they did not make is seen
# (ASVS 2.2.3, 2.5.5). Persian, Arabic and English, by SMS and email. Frozen data.

from django.db import migrations

_FA_WHAT = '{% if change == "password" %}گذرواژه{% else %}برنامه‌ی احراز هویت{% endif %}'
_AR_WHAT = '{% if change == "password" %}كلمة المرور{% else %}تطبيق المصادقة{% endif %}'
_EN_WHAT = '{% if change == "password" %}password{% else %}authenticator{% endif %}'

TEMPLATES = {
    ("security_changed", "sms", "fa"): (
        "",
        "خدمت: " + _FA_WHAT + " حساب شما ({{ username }}) در {{ when }} تغییر کرد. "
        "اگر این کار شما نبود، همین حالا به مدیر سامانه خبر دهید.",
    ),
    ("security_changed", "sms", "ar"): (
        "",
        "خدمت: تغيّر " + _AR_WHAT + " لحسابك ({{ username }}) في {{ when }}. "
        "إن لم تفعل ذلك، فأبلغ مدير النظام فورًا.",
    ),
    ("security_changed", "sms", "en"): (
        "",
        "Khedmat: the " + _EN_WHAT + " of your account ({{ username }}) changed at {{ when }}. "
        "If this was not you, tell the administrator now.",
    ),
    ("security_changed", "email", "fa"): (
        "تغییر در ورود به حساب شما",
        "{% if name %}{{ name }} گرامی،\n\n{% endif %}"
        + _FA_WHAT
        + " حساب شما ({{ username }}) در {{ when }} تغییر کرد.\n"
        "اگر این کار شما نبود، همین حالا به مدیر سامانه خبر دهید.",
    ),
    ("security_changed", "email", "ar"): (
        "تغيير في تسجيل الدخول إلى حسابك",
        "{% if name %}السيد/السيدة {{ name }}،\n\n{% endif %}"
        "تغيّر " + _AR_WHAT + " لحسابك ({{ username }}) في {{ when }}.\n"
        "إن لم تفعل ذلك، فأبلغ مدير النظام فورًا.",
    ),
    ("security_changed", "email", "en"): (
        "A change to how you sign in",
        "{% if name %}Dear {{ name }},\n\n{% endif %}"
        "The " + _EN_WHAT + " of your account ({{ username }}) changed at {{ when }}.\n"
        "If this was not you, tell the administrator now.",
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
    MessageTemplate.objects.using(using).filter(event="security_changed").delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0005_message_secrets")]

    operations = [migrations.RunPython(add_templates, remove_templates)]
