# The built-in default survey (R-26): the five axes of agencies' satisfaction questionnaires on
# 1–5 scales, then free text, with their questions in Persian, Arabic and English. Administrators
# edit them in the admin; this migration only adds what is missing. Frozen data.

from django.db import migrations

DEFAULT_KEY = "default"
DEFAULT_NAME = "نظرسنجی رضایت (پیش‌فرض)"

# key, kind, fa, ar, en
QUESTIONS = [
    (
        "transparency",
        "scale_1_5",
        "شفافیت فرایندی: مراحل، مدارک لازم و وضعیت درخواست تا چه اندازه برایتان روشن بود؟",
        "شفافية الإجراءات: ما مدى وضوح الخطوات والمستندات المطلوبة وحالة الطلب لك؟",
        "Process transparency: how clear were the steps, the documents needed and the status of your request?",
    ),
    (
        "responsiveness",
        "scale_1_5",
        "پاسخگویی و مسئولیت‌پذیری: کارکنان تا چه اندازه پاسخگو و مسئولیت‌پذیر بودند؟",
        "الاستجابة وتحمّل المسؤولية: ما مدى تجاوب الموظفين وتحمّلهم للمسؤولية؟",
        "Responsiveness: how responsive and accountable were the staff?",
    ),
    (
        "mastery",
        "scale_1_5",
        "تسلط بر فرایند: کارکنان تا چه اندازه بر کار و مقررات آن مسلط بودند؟",
        "الإلمام بالإجراءات: ما مدى إلمام الموظفين بالعمل وأنظمته؟",
        "Staff mastery: how well did the staff know the process and its rules?",
    ),
    (
        "time",
        "scale_1_5",
        "زمان فرایند: تعداد مراجعه‌ها و زمان انجام کار در مقایسه با زمان وعده‌داده‌شده چگونه بود؟",
        "مدة الإجراء: كيف كان عدد المراجعات والوقت المستغرق مقارنةً بالموعد المحدد؟",
        "Time: how were the number of visits and the time taken compared with the promised time?",
    ),
    (
        "orderliness",
        "scale_1_5",
        "نظام‌مند بودن: کار تا چه اندازه منظم و طبق روال انجام شد؟",
        "التنظيم: ما مدى انتظام سير العمل ووفقه للإجراءات؟",
        "Orderliness: how orderly and systematic was the handling of your request?",
    ),
    (
        "comment",
        "text",
        "پیشنهاد یا توضیحی دارید؟ (اختیاری)",
        "هل لديك اقتراح أو ملاحظة؟ (اختياري)",
        "Any suggestion or comment? (optional)",
    ),
]


def add_default_survey(apps, schema_editor):
    SurveyDefinition = apps.get_model("surveys", "SurveyDefinition")
    SurveyQuestion = apps.get_model("surveys", "SurveyQuestion")
    using = schema_editor.connection.alias
    definition, _ = SurveyDefinition.objects.using(using).get_or_create(
        key=DEFAULT_KEY, defaults={"name": DEFAULT_NAME, "service": None}
    )
    for position, (key, kind, fa, ar, en) in enumerate(QUESTIONS, start=1):
        SurveyQuestion.objects.using(using).get_or_create(
            definition=definition,
            key=key,
            defaults={
                "kind": kind,
                "label_fa": fa,
                "label_ar": ar,
                "label_en": en,
                "position": position,
                "is_required": kind == "scale_1_5",
            },
        )


def remove_default_survey(apps, schema_editor):
    SurveyDefinition = apps.get_model("surveys", "SurveyDefinition")
    using = schema_editor.connection.alias
    SurveyDefinition.objects.using(using).filter(key=DEFAULT_KEY, invitations__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(add_default_survey, remove_default_survey),
    ]
