"""Demo catalog: a provincial Organisation of Industry, Mine and Trade (idempotent).

`load_demo_catalog()` creates categories, 18 published services and sub-services (the five
national codes of R-1 among them) with documents, steps, fees, FAQ, stages, inquiries and forms
that use every field type; one card has two versions. Services that exist are left alone.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from khedmat.accounts.models import OrgUnit
from khedmat.catalog import services
from khedmat.catalog.models import Category, Service

Texts = dict[str, str]


def tr(name: str, fa: str, ar: str = "", en: str = "") -> Texts:
    """The three language columns of one translated field."""
    return {f"{name}_fa": fa, f"{name}_ar": ar, f"{name}_en": en}


def sheba(account: str) -> str:
    """A valid Iranian IBAN (Sheba) for a 22-digit bank and account number (ISO 13616 check)."""
    check = 98 - int(account + "182700") % 97
    return f"IR{check:02d}{account}"


CATEGORIES = [
    ("business-licences", "مجوزهای کسب‌وکار", "تراخيص الأعمال", "Business licences"),
    ("industry", "صنعت و معدن", "الصناعة والتعدين", "Industry and mining"),
    ("trade", "بازرگانی و تجارت خارجی", "التجارة الخارجية", "Trade and foreign commerce"),
    ("consumer", "حمایت از مصرف‌کننده", "حماية المستهلك", "Consumer protection"),
    ("certificates", "گواهی‌ها و استعلام‌ها", "الشهادات والاستعلامات", "Certificates and inquiries"),
]

COMPLAINT = tr(
    "complaint_channel",
    "سامانه ۱۱۱ (سامد)، سامانه فواد ۱۲۸، یا حضوری در دفتر ارزیابی عملکرد و پاسخگویی به شکایات "
    "سازمان (طبقه دوم، اتاق ۲۰۴). پاسخ حداکثر ظرف ۱۰ روز کاری داده می‌شود.",
    "منظومة 111 (سامد)، أو منظومة فواد 128، أو حضورياً في مكتب تقييم الأداء والرد على الشكاوى "
    "(الطابق الثاني، الغرفة 204). يُرد خلال 10 أيام عمل كحد أقصى.",
    "The 111 system (Samad), FOAD 128, or in person at the performance evaluation and complaints "
    "office (second floor, room 204). Answered within 10 working days.",
)
HOURS = tr(
    "service_hours",
    "شنبه تا چهارشنبه ۷:۳۰ تا ۱۴:۳۰؛ درگاه اینترنتی شبانه‌روزی",
    "من السبت إلى الأربعاء 7:30 حتى 14:30؛ البوابة الإلكترونية على مدار الساعة",
    "Saturday to Wednesday 7:30–14:30; the portal around the clock",
)
PLACES = {
    **tr(
        "submission_place",
        "درگاه اینترنتی سازمان یا پیشخوان خدمت، ساختمان مرکزی، طبقه همکف",
        "البوابة الإلكترونية للمنظمة أو مكتب الخدمة، المبنى المركزي، الطابق الأرضي",
        "The organisation's portal or the service desk, head office, ground floor",
    ),
    **tr(
        "answer_place",
        "کارتابل متقاضی در درگاه و پیامک؛ اصل مدرک در پیشخوان خدمت",
        "صندوق مقدم الطلب في البوابة ورسالة نصية؛ أصل الوثيقة في مكتب الخدمة",
        "The applicant's inbox on the portal and SMS; the original at the service desk",
    ),
}
CARD_COMMON: dict[str, Any] = {
    **COMPLAINT,
    **HOURS,
    **PLACES,
    "contact_phone": "021-33445566",
    "contact_email": "info@example.ir",
    "form_filler_name": "مریم احمدی",
    "form_filler_position": "کارشناس تحول اداری",
    "form_filler_phone": "021-33445570",
    **tr(
        "approving_authority",
        "رئیس سازمان صنعت، معدن و تجارت استان",
        "رئيس منظمة الصناعة والتعدين والتجارة في المحافظة",
        "Head of the provincial Organisation of Industry, Mine and Trade",
    ),
    **tr(
        "sla_statement",
        "سازمان متعهد است درخواست کامل را در مدت اعلام‌شده پاسخ دهد و هر مرحله را با پیامک اطلاع دهد.",
        "تلتزم المنظمة بالرد على الطلب المكتمل خلال المدة المعلنة وإبلاغ كل مرحلة برسالة نصية.",
        "The organisation answers a complete request within the stated time and reports every stage by SMS.",
    ),
}
GUILD_LAW = tr(
    "legal_basis",
    "قانون نظام صنفی کشور (مصوب ۱۳۸۲ با اصلاحات ۱۳۹۲)، مواد ۱۲ و ۱۳؛ دستورالعمل صدور پروانه کسب",
    "قانون النظام المهني في البلاد (1382 وتعديلات 1392)، المادتان 12 و13؛ تعليمات إصدار رخصة العمل",
    "Guild System Law (1382, amended 1392), articles 12 and 13; business licence directive",
)
INDUSTRY_LAW = tr(
    "legal_basis",
    "قانون تسهیل صدور مجوزهای کسب‌وکار (۱۴۰۰)؛ آیین‌نامه صدور جواز تأسیس و پروانه بهره‌برداری",
    "قانون تسهيل إصدار تراخيص الأعمال (1400)؛ لائحة إصدار رخص التأسيس والاستثمار",
    "Law on Facilitating Business Licences (1400); bylaw on establishment and operating licences",
)
TRADE_LAW = tr(
    "legal_basis",
    "قانون مقررات صادرات و واردات و آیین‌نامه اجرایی آن؛ قانون اصلاح ماده ۳ قانون تجارت",
    "قانون أنظمة الصادرات والواردات ولائحته التنفيذية",
    "Export and Import Regulations Law and its bylaw",
)
CONSUMER_LAW = tr(
    "legal_basis",
    "قانون حمایت از حقوق مصرف‌کنندگان (۱۳۸۸)؛ قانون تعزیرات حکومتی",
    "قانون حماية حقوق المستهلكين (1388)؛ قانون العقوبات الحكومية",
    "Consumer Rights Protection Law (1388); Government Penalties Law",
)

PORTAL = ["portal", "mobile_app"]


def stages(*electronic: bool, request_channels: list[str] | None = None) -> list[dict[str, Any]]:
    """The four stages: information, request, processing, delivery."""
    names = ["information", "request", "processing", "delivery"]
    rows = []
    for name, is_electronic in zip(names, electronic, strict=True):
        channels = PORTAL if is_electronic else ["in_person"]
        if name == "request" and request_channels:
            channels = request_channels
        if name == "information":
            channels = [*channels, "phone"] if is_electronic else ["phone", "in_person"]
        rows.append({"stage": name, "is_electronic": is_electronic, "channels": channels})
    return rows


def doc(
    fa: str, ar: str, en: str, *, inquiry: str = "", mandatory: bool = True, **limits: Any
) -> dict[str, Any]:
    row: dict[str, Any] = {**tr("title", fa, ar, en), "is_mandatory": mandatory}
    if inquiry:
        row.update({"source": "inquiry", "inquiry_provider": inquiry})
    row.update(limits)
    return row


def step(fa: str, ar: str, en: str) -> dict[str, Any]:
    return tr("title", fa, ar, en)


def fee(
    fa: str, ar: str, en: str, amount: int, account: str = "", beneficiary: str = ""
) -> dict[str, Any]:
    return {
        **tr("title", fa, ar, en),
        "amount": amount,
        "currency": "IRR",
        "beneficiary": beneficiary,
        "bank_account": sheba(account) if account else "",
    }


def faq(question: tuple[str, str, str], answer: tuple[str, str, str]) -> dict[str, Any]:
    return {**tr("question", *question), **tr("answer", *answer)}


def field(key: str, field_type: str, fa: str, ar: str, en: str, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"key": key, "field_type": field_type, **tr("label", fa, ar, en)}
    row.update(extra)
    return row


TREASURY = "0100000000000012345678"
GUILD_ACCOUNT = "0170000000123456789012"

PROVINCES = [
    {
        "value": "tehran",
        **tr("label", "تهران", "طهران", "Tehran"),
        "children": [
            {"value": "tehran", **tr("label", "تهران", "طهران", "Tehran")},
            {"value": "shemiranat", **tr("label", "شمیرانات", "شميرانات", "Shemiranat")},
            {"value": "rey", **tr("label", "ری", "الري", "Rey")},
        ],
    },
    {
        "value": "isfahan",
        **tr("label", "اصفهان", "أصفهان", "Isfahan"),
        "children": [
            {"value": "isfahan", **tr("label", "اصفهان", "أصفهان", "Isfahan")},
            {"value": "kashan", **tr("label", "کاشان", "كاشان", "Kashan")},
        ],
    },
    {
        "value": "khorasan-razavi",
        **tr("label", "خراسان رضوی", "خراسان رضوي", "Razavi Khorasan"),
        "children": [
            {"value": "mashhad", **tr("label", "مشهد", "مشهد", "Mashhad")},
            {"value": "neyshabur", **tr("label", "نیشابور", "نيسابور", "Neyshabur")},
        ],
    },
]

BUSINESS_LICENCE_FORM = [
    field(
        "applicant_kind",
        "select",
        "نوع متقاضی",
        "نوع مقدم الطلب",
        "Kind of applicant",
        is_required=True,
        config={
            "widget": "radio",
            "options": [
                {"value": "natural", **tr("label", "شخص حقیقی", "شخص طبيعي", "Natural person")},
                {"value": "legal", **tr("label", "شخص حقوقی", "شخص اعتباري", "Legal person")},
            ],
        },
    ),
    field(
        "national_code",
        "national_code",
        "کد ملی",
        "الرقم الوطني",
        "National code",
        is_required=True,
        show_if={"field": "applicant_kind", "op": "equals", "value": "natural"},
        integration_key="person.nationalCode",
    ),
    field(
        "legal_id",
        "legal_id",
        "شناسه ملی شرکت",
        "المعرف الوطني للشركة",
        "Company national ID",
        is_required=True,
        show_if={"field": "applicant_kind", "op": "equals", "value": "legal"},
        integration_key="company.nationalId",
    ),
    field(
        "company_name",
        "text",
        "نام شرکت",
        "اسم الشركة",
        "Company name",
        is_required=True,
        config={"max_length": 200},
        show_if={"field": "applicant_kind", "op": "equals", "value": "legal"},
    ),
    field(
        "mobile",
        "mobile",
        "تلفن همراه",
        "الهاتف المحمول",
        "Mobile",
        is_required=True,
        help_fa="کد رهگیری به این شماره پیامک می‌شود.",
        help_ar="يُرسل رمز المتابعة إلى هذا الرقم.",
        help_en="The tracking code is sent to this number.",
    ),
    field("email", "email", "پست الکترونیکی", "البريد الإلكتروني", "Email"),
    field(
        "guild",
        "select",
        "رسته صنفی",
        "الفئة المهنية",
        "Guild",
        is_required=True,
        config={
            "options": [
                {"value": "grocery", **tr("label", "خواربارفروشی", "بقالة", "Grocery")},
                {"value": "bakery", **tr("label", "نانوایی", "مخبز", "Bakery")},
                {
                    "value": "mobile-shop",
                    **tr("label", "فروش تلفن همراه", "بيع الهواتف المحمولة", "Mobile phone shop"),
                },
                {"value": "restaurant", **tr("label", "رستوران", "مطعم", "Restaurant")},
            ]
        },
    ),
    field(
        "place",
        "cascading_select",
        "محل کسب",
        "مكان العمل",
        "Place of business",
        is_required=True,
        config={
            "levels": [
                tr("label", "استان", "المحافظة", "Province"),
                tr("label", "شهرستان", "المدينة", "City"),
            ],
            "options": PROVINCES,
        },
    ),
    field(
        "address",
        "long_text",
        "نشانی محل کسب",
        "عنوان مكان العمل",
        "Shop address",
        is_required=True,
        config={"max_length": 500},
    ),
    field(
        "postal_code", "postal_code", "کد پستی", "الرمز البريدي", "Postal code", is_required=True
    ),
    field(
        "shop_area",
        "number",
        "مساحت مغازه (متر مربع)",
        "مساحة المحل (متر مربع)",
        "Shop area (m²)",
        is_required=True,
        config={"min": 6, "max": 10000},
    ),
    field(
        "start_date",
        "date",
        "تاریخ شروع فعالیت",
        "تاريخ بدء النشاط",
        "Start of business",
        config={"calendar": "jalali"},
    ),
    field("opening_time", "time", "ساعت بازگشایی", "ساعة الافتتاح", "Opening time"),
    field(
        "location",
        "location",
        "موقعیت روی نقشه",
        "الموقع على الخريطة",
        "Location on the map",
        help_fa="عرض و طول جغرافیایی، مانند 35.6892, 51.3890",
        help_ar="خط العرض وخط الطول",
        help_en="Latitude and longitude",
    ),
    field(
        "lease",
        "file",
        "اجاره‌نامه یا سند مالکیت",
        "عقد الإيجار أو سند الملكية",
        "Lease or title deed",
        is_required=True,
        config={"allowed_types": ["pdf", "jpg", "png"], "max_size_kb": 2048, "max_count": 2},
    ),
    field(
        "shop_photo",
        "image",
        "عکس نمای مغازه",
        "صورة واجهة المحل",
        "Photo of the shop front",
        config={"allowed_types": ["jpg", "png"], "max_size_kb": 5120, "max_count": 1},
    ),
    field("has_partners", "checkbox", "شریک دارم", "لدي شركاء", "I have partners"),
    field(
        "partners",
        "group",
        "شرکا",
        "الشركاء",
        "Partners",
        config={"min_rows": 1, "max_rows": 5},
        show_if={"field": "has_partners", "op": "checked"},
    ),
    field(
        "partner_name",
        "text",
        "نام و نام خانوادگی",
        "الاسم الكامل",
        "Full name",
        group_key="partners",
        is_required=True,
        config={"max_length": 150},
    ),
    field(
        "partner_national_code",
        "national_code",
        "کد ملی شریک",
        "الرقم الوطني للشريك",
        "Partner's national code",
        group_key="partners",
        is_required=True,
    ),
    field(
        "partner_share",
        "number",
        "سهم (درصد)",
        "الحصة (بالمئة)",
        "Share (%)",
        group_key="partners",
        is_required=True,
        config={"min": 1, "max": 100},
    ),
    field(
        "agree",
        "checkbox",
        "صحت اطلاعات را تأیید می‌کنم",
        "أؤكد صحة المعلومات",
        "I confirm the information is correct",
        is_required=True,
    ),
]


def simple_form(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    """Identity fields every applicant gives, then the service's own."""
    return [
        field(
            "national_code",
            "national_code",
            "کد ملی",
            "الرقم الوطني",
            "National code",
            is_required=True,
        ),
        field("mobile", "mobile", "تلفن همراه", "الهاتف المحمول", "Mobile", is_required=True),
        *extra,
    ]


def _service_specs() -> list[dict[str, Any]]:
    licence_docs = [
        doc(
            "کارت ملی",
            "البطاقة الوطنية",
            "National ID card",
            inquiry="ثبت احوال (سامانه استعلام هویت)",
        ),
        doc(
            "اجاره‌نامه یا سند مالکیت محل",
            "عقد الإيجار أو سند الملكية",
            "Lease or title deed",
            max_size_kb=2048,
            max_count=2,
        ),
        doc(
            "گواهی عدم سوء پیشینه",
            "شهادة حسن السيرة",
            "Certificate of no criminal record",
            inquiry="قوه قضاییه (سامانه سجل)",
        ),
        doc(
            "گواهی پایان خدمت یا معافیت (آقایان)",
            "شهادة إنهاء الخدمة العسكرية أو الإعفاء",
            "Military service card (men)",
            inquiry="ناجا (سامانه وظیفه عمومی)",
        ),
        doc(
            "گواهی سلامت (برای رسته‌های خوراکی)",
            "الشهادة الصحية (للأغذية)",
            "Health certificate (food trades)",
            mandatory=False,
            max_size_kb=2048,
        ),
    ]
    licence_steps = [
        step(
            "ثبت درخواست در درگاه ملی مجوزها",
            "تسجيل الطلب في البوابة الوطنية للتراخيص",
            "Apply on the national licence portal",
        ),
        step(
            "استعلام‌های خودکار هویت، پیشینه و نظام وظیفه",
            "الاستعلامات الآلية عن الهوية والسوابق والخدمة",
            "Automatic identity, record and military inquiries",
        ),
        step(
            "بازدید کارشناس اتحادیه از محل",
            "زيارة خبير الاتحاد للموقع",
            "Guild expert visits the shop",
        ),
        step(
            "پرداخت هزینه و صدور پروانه",
            "دفع الرسوم وإصدار الرخصة",
            "Pay the fee and receive the licence",
        ),
    ]
    licence_faq = [
        faq(
            (
                "آیا باید برای دریافت پروانه به اتحادیه مراجعه کنم؟",
                "هل يجب أن أراجع الاتحاد للحصول على الرخصة؟",
                "Do I have to visit the guild union?",
            ),
            (
                "خیر؛ همه مراحل در درگاه انجام می‌شود و فقط کارشناس از محل بازدید می‌کند.",
                "لا؛ تتم جميع المراحل عبر البوابة ويزور الخبير الموقع فقط.",
                "No; everything happens on the portal and only the expert visits the shop.",
            ),
        ),
        faq(
            (
                "اعتبار پروانه کسب چند سال است؟",
                "كم سنة صلاحية رخصة العمل؟",
                "How long is a business licence valid?",
            ),
            (
                "پنج سال؛ تمدید آن از سه ماه پیش از پایان اعتبار ممکن است.",
                "خمس سنوات؛ ويمكن تجديدها قبل ثلاثة أشهر من انتهائها.",
                "Five years; renew it from three months before it expires.",
            ),
        ),
    ]
    guild_inquiries = [
        {
            **tr("title", "استعلام هویت", "الاستعلام عن الهوية", "Identity check"),
            "agency": "سازمان ثبت احوال کشور",
            "system": "GSB",
            "is_online": True,
        },
        {
            **tr(
                "title",
                "استعلام کد پستی و نشانی",
                "الاستعلام عن الرمز البريدي",
                "Postal code and address",
            ),
            "agency": "شرکت ملی پست",
            "system": "GSB",
            "is_online": True,
        },
        {
            **tr("title", "استعلام سوء پیشینه", "الاستعلام عن السوابق", "Criminal record"),
            "agency": "قوه قضاییه",
            "system": "سامانه سجل",
            "is_online": True,
        },
    ]
    licence_card = {
        **GUILD_LAW,
        **CARD_COMMON,
        "service_types": ["g2c", "g2b"],
        "audiences": ["iranian_nationals", "businesses"],
        "nature": "sovereign",
        "levels": ["provincial", "city"],
        "life_events": ["business"],
        "start_trigger": "applicant_request",
        "in_person_visits": 0,
        "frequency": "unlimited",
        "keywords": "جواز کسب مجوز مغازه پروانه صنفی",
    }
    return [
        {
            "code": "17041325104",
            "category": "business-licences",
            "card": {
                **licence_card,
                **tr("title", "صدور پروانه کسب", "إصدار رخصة العمل", "Business licence"),
                **tr(
                    "process_title",
                    "فرایند صدور پروانه کسب اشخاص حقیقی و حقوقی",
                    "عملية إصدار رخصة العمل",
                    "Issuing business licences",
                ),
                **tr(
                    "description",
                    "صدور، تمدید و المثنی پروانه کسب برای واحدهای صنفی؛ یکی از زیرخدمت‌ها را انتخاب کنید.",
                    "إصدار رخصة العمل وتجديدها وبدل فاقد للوحدات المهنية؛ اختر إحدى الخدمات الفرعية.",
                    "Issue, renew or replace a guild business licence; choose one of the sub-services.",
                ),
                "duration_amount": 15,
                "duration_unit": "working_days",
                "recipients_per_month": 2100,
                "recipients_per_year": 25200,
            },
            "rows": {
                "documents": licence_docs,
                "steps": licence_steps,
                "faq": licence_faq,
                "fees": [
                    fee(
                        "هزینه صدور پروانه",
                        "رسوم الإصدار",
                        "Licence fee",
                        1_200_000,
                        GUILD_ACCOUNT,
                        "اتحادیه صنف",
                    )
                ],
                "stages": stages(True, True, False, True),
                "inquiries": guild_inquiries,
            },
        },
        {
            "code": "10012656000sh13",
            "parent": "17041325104",
            "category": "business-licences",
            "revise_fee": 1_650_000,
            "card": {
                **licence_card,
                **tr(
                    "title", "صدور پروانه کسب جدید", "إصدار رخصة عمل جديدة", "New business licence"
                ),
                **tr(
                    "description",
                    "صدور پروانه کسب برای کسی که برای نخستین بار در یک رسته صنفی فعالیت می‌کند.",
                    "إصدار رخصة عمل لمن يبدأ نشاطاً في فئة مهنية لأول مرة.",
                    "A business licence for someone starting in a guild trade for the first time.",
                ),
                "duration_amount": 15,
                "duration_unit": "working_days",
                "recipients_per_month": 1200,
                "recipients_per_year": 14400,
            },
            "rows": {
                "documents": licence_docs,
                "steps": licence_steps,
                "faq": licence_faq,
                "fees": [
                    fee(
                        "هزینه صدور پروانه",
                        "رسوم الإصدار",
                        "Licence fee",
                        1_200_000,
                        GUILD_ACCOUNT,
                        "اتحادیه صنف",
                    ),
                    fee(
                        "عوارض خزانه",
                        "رسوم الخزينة",
                        "Treasury duty",
                        300_000,
                        TREASURY,
                        "خزانه‌داری کل کشور",
                    ),
                ],
                "stages": stages(True, True, True, True),
                "inquiries": guild_inquiries,
                "form_fields": BUSINESS_LICENCE_FORM,
            },
        },
        {
            "code": "10012656000sh14",
            "parent": "17041325104",
            "category": "business-licences",
            "card": {
                **licence_card,
                **tr(
                    "title", "تمدید پروانه کسب", "تجديد رخصة العمل", "Renewing a business licence"
                ),
                **tr(
                    "description",
                    "تمدید پنج‌ساله پروانه کسب معتبر، بدون بازدید دوباره در صورت تغییر نکردن محل.",
                    "تجديد رخصة العمل لخمس سنوات دون زيارة جديدة إذا لم يتغير المكان.",
                    "A five-year renewal without a new visit when the shop has not moved.",
                ),
                "duration_amount": 5,
                "duration_unit": "working_days",
                "recipients_per_month": 800,
                "recipients_per_year": 9600,
            },
            "rows": {
                "documents": licence_docs[:3],
                "steps": [licence_steps[0], licence_steps[1], licence_steps[3]],
                "fees": [
                    fee(
                        "هزینه تمدید",
                        "رسوم التجديد",
                        "Renewal fee",
                        600_000,
                        GUILD_ACCOUNT,
                        "اتحادیه صنف",
                    )
                ],
                "stages": stages(True, True, True, True),
                "inquiries": guild_inquiries[:1],
                "form_fields": simple_form(
                    field(
                        "licence_number",
                        "text",
                        "شماره پروانه فعلی",
                        "رقم الرخصة الحالية",
                        "Current licence number",
                        is_required=True,
                        config={"max_length": 20, "pattern": r"^[0-9۰-۹]{6,20}$"},
                    ),
                    field(
                        "expiry",
                        "date",
                        "تاریخ پایان اعتبار",
                        "تاريخ انتهاء الصلاحية",
                        "Expiry date",
                        is_required=True,
                        config={"calendar": "jalali"},
                    ),
                ),
            },
        },
        {
            "code": "10012656000sh15",
            "parent": "17041325104",
            "category": "business-licences",
            "card": {
                **licence_card,
                **tr(
                    "title",
                    "صدور المثنی پروانه کسب",
                    "إصدار بدل فاقد لرخصة العمل",
                    "Duplicate business licence",
                ),
                **tr(
                    "description",
                    "صدور نسخه دوم پروانه کسب در صورت مفقود شدن یا فرسودگی.",
                    "إصدار نسخة ثانية من الرخصة عند فقدانها أو تلفها.",
                    "A second copy of a lost or worn licence.",
                ),
                "duration_amount": 3,
                "duration_unit": "working_days",
                "in_person_visits": 1,
                "recipients_per_month": 90,
                "recipients_per_year": 1080,
            },
            "rows": {
                "documents": [
                    licence_docs[0],
                    doc(
                        "آگهی فقدان در روزنامه",
                        "إعلان الفقدان في الصحيفة",
                        "Loss notice in a newspaper",
                        max_size_kb=1024,
                    ),
                ],
                "steps": [licence_steps[0], licence_steps[3]],
                "fees": [
                    fee(
                        "هزینه المثنی",
                        "رسوم البدل",
                        "Duplicate fee",
                        400_000,
                        GUILD_ACCOUNT,
                        "اتحادیه صنف",
                    )
                ],
                "stages": stages(True, True, True, False),
                "form_fields": simple_form(
                    field(
                        "reason",
                        "select",
                        "علت درخواست",
                        "سبب الطلب",
                        "Reason",
                        is_required=True,
                        config={
                            "options": [
                                {"value": "lost", **tr("label", "مفقود شده", "مفقودة", "Lost")},
                                {"value": "worn", **tr("label", "فرسوده شده", "تالفة", "Worn out")},
                            ]
                        },
                    ),
                    field(
                        "loss_notice",
                        "file",
                        "تصویر آگهی فقدان",
                        "صورة إعلان الفقدان",
                        "Loss notice",
                        is_required=True,
                        show_if={"field": "reason", "op": "equals", "value": "lost"},
                        config={
                            "allowed_types": ["pdf", "jpg"],
                            "max_size_kb": 1024,
                            "max_count": 1,
                        },
                    ),
                ),
            },
        },
        {
            "code": "10011146000",
            "category": "industry",
            "card": {
                **INDUSTRY_LAW,
                **CARD_COMMON,
                **tr(
                    "title",
                    "صدور جواز تأسیس واحد صنعتی",
                    "إصدار رخصة تأسيس وحدة صناعية",
                    "Industrial establishment permit",
                ),
                **tr(
                    "process_title",
                    "بررسی طرح توجیهی و صدور جواز تأسیس",
                    "دراسة الجدوى وإصدار رخصة التأسيس",
                    "Feasibility review and permit",
                ),
                **tr(
                    "description",
                    "مجوز آغاز احداث واحد صنعتی پس از بررسی طرح توجیهی، مکان و استعلام‌های زیست‌محیطی.",
                    "ترخيص بدء إنشاء وحدة صناعية بعد دراسة الجدوى والموقع والاستعلامات البيئية.",
                    "Permission to start building an industrial unit after the feasibility study, site and environmental checks.",
                ),
                "service_types": ["g2b"],
                "audiences": ["iranian_nationals", "businesses"],
                "nature": "sovereign",
                "levels": ["provincial"],
                "life_events": ["business"],
                "start_trigger": "applicant_request",
                "duration_amount": 1,
                "duration_unit": "months",
                "in_person_visits": 1,
                "frequency": "unlimited",
                "recipients_per_month": 140,
                "recipients_per_year": 1680,
            },
            "rows": {
                "documents": [
                    doc(
                        "طرح توجیهی فنی و اقتصادی",
                        "دراسة الجدوى الفنية والاقتصادية",
                        "Technical and economic feasibility study",
                        max_size_kb=10240,
                    ),
                    doc(
                        "اساسنامه و آگهی تأسیس شرکت",
                        "النظام الأساسي وإعلان التأسيس",
                        "Articles and founding notice",
                        inquiry="سازمان ثبت اسناد و املاک (روزنامه رسمی)",
                    ),
                    doc(
                        "استعلام محیط زیست",
                        "استعلام البيئة",
                        "Environmental clearance",
                        inquiry="سازمان حفاظت محیط زیست",
                    ),
                ],
                "steps": [
                    step(
                        "ثبت درخواست و بارگذاری طرح",
                        "تسجيل الطلب وتحميل الدراسة",
                        "Apply and upload the study",
                    ),
                    step("بررسی کارشناس صنعتی", "مراجعة الخبير الصناعي", "Industry expert review"),
                    step(
                        "استعلام‌های زیست‌محیطی و منابع طبیعی",
                        "الاستعلامات البيئية",
                        "Environmental inquiries",
                    ),
                    step("صدور جواز", "إصدار الرخصة", "Permit issued"),
                ],
                "fees": [
                    fee(
                        "هزینه بررسی طرح",
                        "رسوم مراجعة الدراسة",
                        "Review fee",
                        5_000_000,
                        TREASURY,
                        "خزانه‌داری کل کشور",
                    )
                ],
                "stages": stages(True, True, False, True),
                "inquiries": [
                    {
                        **tr(
                            "title",
                            "استعلام زیست‌محیطی",
                            "الاستعلام البيئي",
                            "Environmental clearance",
                        ),
                        "agency": "سازمان حفاظت محیط زیست",
                        "system": "",
                        "is_online": False,
                    }
                ],
                "form_fields": simple_form(
                    field(
                        "legal_id",
                        "legal_id",
                        "شناسه ملی شرکت",
                        "المعرف الوطني للشركة",
                        "Company national ID",
                        is_required=True,
                    ),
                    field(
                        "product",
                        "text",
                        "محصول اصلی",
                        "المنتج الرئيسي",
                        "Main product",
                        is_required=True,
                    ),
                    field(
                        "capacity",
                        "number",
                        "ظرفیت سالانه (تن)",
                        "الطاقة السنوية (طن)",
                        "Yearly capacity (t)",
                        is_required=True,
                        config={"min": 1, "decimal_places": 1},
                    ),
                    field(
                        "employees",
                        "number",
                        "تعداد کارکنان",
                        "عدد العاملين",
                        "Employees",
                        config={"min": 1, "max": 5000},
                    ),
                    field(
                        "study",
                        "file",
                        "طرح توجیهی",
                        "دراسة الجدوى",
                        "Feasibility study",
                        is_required=True,
                        config={"allowed_types": ["pdf"], "max_size_kb": 10240, "max_count": 1},
                    ),
                ),
            },
        },
        {
            "code": "13091710103",
            "category": "industry",
            "card": {
                **INDUSTRY_LAW,
                **CARD_COMMON,
                **tr(
                    "title",
                    "صدور پروانه بهره‌برداری واحد صنعتی",
                    "إصدار رخصة تشغيل وحدة صناعية",
                    "Industrial operating licence",
                ),
                **tr(
                    "description",
                    "پروانه آغاز تولید برای واحدی که ساخت و نصب ماشین‌آلات آن پایان یافته است.",
                    "رخصة بدء الإنتاج لوحدة اكتمل بناؤها وتركيب آلاتها.",
                    "Permission to start production once the unit is built and equipped.",
                ),
                "service_types": ["g2b"],
                "audiences": ["businesses"],
                "nature": "sovereign",
                "levels": ["provincial"],
                "life_events": ["business"],
                "duration_amount": 20,
                "duration_unit": "working_days",
                "in_person_visits": 1,
                "recipients_per_month": 95,
                "recipients_per_year": 1140,
            },
            "rows": {
                "documents": [
                    doc(
                        "گزارش بازدید کارشناس رسمی",
                        "تقرير زيارة الخبير",
                        "Official expert's visit report",
                        max_size_kb=4096,
                    )
                ],
                "steps": [
                    step("ثبت درخواست", "تسجيل الطلب", "Apply"),
                    step("بازدید از واحد", "زيارة الوحدة", "Site visit"),
                    step("صدور پروانه", "إصدار الرخصة", "Licence issued"),
                ],
                "fees": [
                    fee(
                        "هزینه صدور",
                        "رسوم الإصدار",
                        "Issue fee",
                        3_500_000,
                        TREASURY,
                        "خزانه‌داری کل کشور",
                    )
                ],
                "stages": stages(True, True, False, False),
            },
        },
        {
            "code": "13091710103-01",
            "parent": "13091710103",
            "category": "industry",
            "card": {
                **INDUSTRY_LAW,
                **CARD_COMMON,
                **tr(
                    "title",
                    "صدور پروانه بهره‌برداری جدید",
                    "إصدار رخصة تشغيل جديدة",
                    "New operating licence",
                ),
                "service_types": ["g2b"],
                "audiences": ["businesses"],
                "nature": "sovereign",
                "levels": ["provincial"],
                "duration_amount": 20,
                "duration_unit": "working_days",
                "in_person_visits": 1,
                "recipients_per_year": 700,
            },
            "rows": {
                "fees": [
                    fee(
                        "هزینه صدور",
                        "رسوم الإصدار",
                        "Issue fee",
                        3_500_000,
                        TREASURY,
                        "خزانه‌داری کل کشور",
                    )
                ],
                "stages": stages(True, True, False, False),
                "form_fields": simple_form(
                    field(
                        "permit_number",
                        "text",
                        "شماره جواز تأسیس",
                        "رقم رخصة التأسيس",
                        "Establishment permit number",
                        is_required=True,
                    ),
                    field(
                        "visit_report",
                        "file",
                        "گزارش بازدید",
                        "تقرير الزيارة",
                        "Visit report",
                        is_required=True,
                        config={"allowed_types": ["pdf"], "max_size_kb": 4096, "max_count": 1},
                    ),
                ),
            },
        },
        {
            "code": "13091710103-02",
            "parent": "13091710103",
            "category": "industry",
            "card": {
                **INDUSTRY_LAW,
                **CARD_COMMON,
                **tr(
                    "title",
                    "اصلاح پروانه بهره‌برداری",
                    "تعديل رخصة التشغيل",
                    "Amending an operating licence",
                ),
                "service_types": ["g2b"],
                "audiences": ["businesses"],
                "nature": "sovereign",
                "levels": ["provincial"],
                "duration_amount": 10,
                "duration_unit": "working_days",
                "recipients_per_year": 440,
            },
            "rows": {
                "fees": [
                    fee(
                        "هزینه اصلاح",
                        "رسوم التعديل",
                        "Amendment fee",
                        1_000_000,
                        TREASURY,
                        "خزانه‌داری کل کشور",
                    )
                ],
                "stages": stages(True, True, True, True),
            },
        },
        {
            "code": "10011146010",
            "category": "industry",
            "card": {
                **CARD_COMMON,
                **tr(
                    "legal_basis",
                    "قانون معادن (۱۳۷۷ با اصلاحات ۱۳۹۰) و آیین‌نامه اجرایی آن",
                    "قانون المناجم ولائحته التنفيذية",
                    "Mining Law (1377, amended 1390) and its bylaw",
                ),
                **tr(
                    "title",
                    "صدور پروانه اکتشاف معدن",
                    "إصدار رخصة استكشاف منجم",
                    "Mineral exploration licence",
                ),
                **tr(
                    "description",
                    "اجازه اکتشاف در محدوده ثبت‌شده در سامانه کاداستر معدن.",
                    "ترخيص الاستكشاف في المنطقة المسجلة في نظام السجل المعدني.",
                    "Permission to explore an area registered in the mining cadastre.",
                ),
                "service_types": ["g2b"],
                "audiences": ["businesses", "iranian_nationals"],
                "nature": "sovereign",
                "levels": ["national", "provincial"],
                "life_events": ["business", "property"],
                "duration_amount": 3,
                "duration_unit": "months",
                "in_person_visits": 2,
                "frequency": "repeatable",
                "frequency_count": 1,
                "frequency_period": "year",
                "recipients_per_year": 310,
            },
            "rows": {
                "documents": [
                    doc("نقشه محدوده (UTM)", "خريطة المنطقة", "Area map (UTM)", max_size_kb=8192)
                ],
                "fees": [
                    fee(
                        "حق اکتشاف",
                        "رسوم الاستكشاف",
                        "Exploration right",
                        25_000_000,
                        TREASURY,
                        "خزانه‌داری کل کشور",
                    )
                ],
                "stages": stages(True, False, False, False),
                "inquiries": [
                    {
                        **tr(
                            "title",
                            "استعلام منابع طبیعی",
                            "الاستعلام عن الموارد الطبيعية",
                            "Natural resources",
                        ),
                        "agency": "سازمان منابع طبیعی",
                        "system": "",
                        "is_online": False,
                    }
                ],
            },
        },
        {
            "code": "17041325120",
            "category": "trade",
            "card": {
                **TRADE_LAW,
                **CARD_COMMON,
                **tr("title", "صدور کارت بازرگانی", "إصدار البطاقة التجارية", "Trade card"),
                **tr(
                    "description",
                    "کارت بازرگانی برای واردات و صادرات کالا؛ یکی از زیرخدمت‌ها را انتخاب کنید.",
                    "البطاقة التجارية للاستيراد والتصدير؛ اختر إحدى الخدمات الفرعية.",
                    "The trade card to import and export goods; choose a sub-service.",
                ),
                "service_types": ["g2c", "g2b"],
                "audiences": ["iranian_nationals", "foreign_nationals", "businesses"],
                "nature": "sovereign",
                "levels": ["national"],
                "life_events": ["business"],
                "duration_amount": 10,
                "duration_unit": "working_days",
                "recipients_per_year": 8400,
            },
            "rows": {
                "fees": [
                    fee(
                        "هزینه صدور کارت",
                        "رسوم البطاقة",
                        "Card fee",
                        2_500_000,
                        TREASURY,
                        "خزانه‌داری کل کشور",
                    )
                ],
                "stages": stages(True, True, True, False),
            },
        },
        {
            "code": "17041325121",
            "parent": "17041325120",
            "category": "trade",
            "card": {
                **TRADE_LAW,
                **CARD_COMMON,
                **tr(
                    "title",
                    "صدور کارت بازرگانی اشخاص حقیقی",
                    "إصدار البطاقة التجارية للأشخاص الطبيعيين",
                    "Trade card for natural persons",
                ),
                "service_types": ["g2c"],
                "audiences": ["iranian_nationals", "foreign_nationals"],
                "nature": "sovereign",
                "levels": ["national"],
                "duration_amount": 10,
                "duration_unit": "working_days",
                "recipients_per_year": 5200,
            },
            "rows": {
                "documents": [
                    doc(
                        "گواهی عدم سوء پیشینه",
                        "شهادة حسن السيرة",
                        "Certificate of no criminal record",
                        inquiry="قوه قضاییه (سامانه سجل)",
                    ),
                    doc(
                        "مدرک تحصیلی یا سابقه کار",
                        "الشهادة الدراسية أو الخبرة",
                        "Degree or work record",
                        max_size_kb=2048,
                    ),
                ],
                "fees": [
                    fee(
                        "هزینه صدور کارت",
                        "رسوم البطاقة",
                        "Card fee",
                        2_500_000,
                        TREASURY,
                        "خزانه‌داری کل کشور",
                    )
                ],
                "stages": stages(True, True, True, False),
                "form_fields": simple_form(
                    field(
                        "nationality",
                        "select",
                        "تابعیت",
                        "الجنسية",
                        "Nationality",
                        is_required=True,
                        config={
                            "options": [
                                {"value": "iranian", **tr("label", "ایرانی", "إيراني", "Iranian")},
                                {
                                    "value": "foreign",
                                    **tr("label", "غیر ایرانی", "غير إيراني", "Foreign"),
                                },
                            ]
                        },
                    ),
                    field(
                        "passport_expiry",
                        "date",
                        "تاریخ انقضای گذرنامه",
                        "تاريخ انتهاء جواز السفر",
                        "Passport expiry",
                        is_required=True,
                        config={"calendar": "hijri", "min": "today"},
                        show_if={"field": "nationality", "op": "equals", "value": "foreign"},
                    ),
                    field(
                        "degree",
                        "file",
                        "مدرک تحصیلی",
                        "الشهادة الدراسية",
                        "Degree",
                        is_required=True,
                        config={
                            "allowed_types": ["pdf", "jpg", "png"],
                            "max_size_kb": 2048,
                            "max_count": 3,
                        },
                    ),
                ),
            },
        },
        {
            "code": "17041325122",
            "parent": "17041325120",
            "category": "trade",
            "card": {
                **TRADE_LAW,
                **CARD_COMMON,
                **tr(
                    "title",
                    "صدور کارت بازرگانی اشخاص حقوقی",
                    "إصدار البطاقة التجارية للشركات",
                    "Trade card for companies",
                ),
                "service_types": ["g2b"],
                "audiences": ["businesses"],
                "nature": "sovereign",
                "levels": ["national"],
                "duration_amount": 10,
                "duration_unit": "working_days",
                "recipients_per_year": 2600,
            },
            "rows": {
                "documents": [
                    doc(
                        "آگهی تأسیس و آخرین تغییرات",
                        "إعلان التأسيس وآخر التغييرات",
                        "Founding notice and latest changes",
                        inquiry="روزنامه رسمی",
                    )
                ],
                "fees": [
                    fee(
                        "هزینه صدور کارت",
                        "رسوم البطاقة",
                        "Card fee",
                        3_000_000,
                        TREASURY,
                        "خزانه‌داری کل کشور",
                    )
                ],
                "stages": stages(True, True, True, False),
                "form_fields": [
                    field(
                        "legal_id",
                        "legal_id",
                        "شناسه ملی شرکت",
                        "المعرف الوطني للشركة",
                        "Company national ID",
                        is_required=True,
                    ),
                    field(
                        "ceo_national_code",
                        "national_code",
                        "کد ملی مدیرعامل",
                        "الرقم الوطني للمدير العام",
                        "CEO's national code",
                        is_required=True,
                    ),
                    field(
                        "mobile",
                        "mobile",
                        "تلفن همراه",
                        "الهاتف المحمول",
                        "Mobile",
                        is_required=True,
                    ),
                ],
            },
        },
        {
            "code": "17041325123",
            "parent": "17041325120",
            "category": "trade",
            "card": {
                **TRADE_LAW,
                **CARD_COMMON,
                **tr(
                    "title",
                    "تمدید کارت بازرگانی",
                    "تجديد البطاقة التجارية",
                    "Renewing a trade card",
                ),
                "service_types": ["g2c", "g2b"],
                "audiences": ["iranian_nationals", "businesses"],
                "nature": "sovereign",
                "levels": ["national"],
                "duration_amount": 3,
                "duration_unit": "working_days",
                "frequency": "repeatable",
                "frequency_count": 1,
                "frequency_period": "year",
                "recipients_per_year": 6100,
            },
            "rows": {
                "fees": [
                    fee(
                        "هزینه تمدید",
                        "رسوم التجديد",
                        "Renewal fee",
                        1_500_000,
                        TREASURY,
                        "خزانه‌داری کل کشور",
                    )
                ],
                "stages": stages(True, True, True, True),
            },
        },
        {
            "code": "17041325124",
            "category": "trade",
            "card": {
                **TRADE_LAW,
                **CARD_COMMON,
                **tr(
                    "title",
                    "ثبت سفارش کالا",
                    "تسجيل طلب استيراد البضائع",
                    "Registering an import order",
                ),
                **tr(
                    "description",
                    "ثبت سفارش واردات کالا در سامانه جامع تجارت پیش از حمل.",
                    "تسجيل طلب الاستيراد في النظام الشامل للتجارة قبل الشحن.",
                    "Register an import order in the comprehensive trade system before shipping.",
                ),
                "service_types": ["g2b"],
                "audiences": ["businesses"],
                "nature": "sovereign",
                "levels": ["national"],
                "life_events": ["business", "tax"],
                "duration_amount": 2,
                "duration_unit": "working_days",
                "recipients_per_year": 19000,
            },
            "rows": {
                "fees": [fee("کارمزد ثبت سفارش", "رسوم التسجيل", "Registration fee", 0)],
                "stages": stages(True, True, True, True),
                "faq": [
                    faq(
                        (
                            "ثبت سفارش هزینه دارد؟",
                            "هل للتسجيل رسوم؟",
                            "Does registering cost anything?",
                        ),
                        ("خیر، رایگان است.", "لا، مجاني.", "No, it is free."),
                    )
                ],
            },
        },
        {
            "code": "17041325130",
            "category": "consumer",
            "card": {
                **CONSUMER_LAW,
                **CARD_COMMON,
                **tr(
                    "title",
                    "رسیدگی به شکایت از واحدهای صنفی",
                    "النظر في الشكاوى ضد الوحدات المهنية",
                    "Complaints against shops",
                ),
                **tr(
                    "description",
                    "ثبت و پیگیری شکایت از کیفیت، قیمت یا خدمات پس از فروش کالا و خدمات.",
                    "تسجيل ومتابعة الشكاوى بشأن الجودة أو السعر أو خدمات ما بعد البيع.",
                    "Register and follow a complaint about quality, price or after-sales service.",
                ),
                "service_types": ["g2c"],
                "audiences": ["iranian_nationals", "foreign_nationals"],
                "nature": "sovereign",
                "levels": ["provincial", "city", "rural"],
                "life_events": ["other"],
                "duration_amount": 10,
                "duration_unit": "working_days",
                "recipients_per_month": 3100,
                "recipients_per_year": 37200,
            },
            "rows": {
                "documents": [
                    doc(
                        "فاکتور یا رسید خرید",
                        "الفاتورة أو إيصال الشراء",
                        "Invoice or receipt",
                        mandatory=False,
                        max_size_kb=2048,
                        max_count=3,
                    )
                ],
                "steps": [
                    step("ثبت شکایت", "تسجيل الشكوى", "Register the complaint"),
                    step("بازرسی واحد صنفی", "تفتيش الوحدة", "Inspection"),
                    step("اعلام نتیجه", "إعلان النتيجة", "Result announced"),
                ],
                "fees": [fee("رایگان", "مجاني", "Free", 0)],
                "stages": stages(
                    True, True, True, True, request_channels=["portal", "mobile_app", "phone"]
                ),
                "form_fields": simple_form(
                    field(
                        "shop_name",
                        "text",
                        "نام واحد صنفی",
                        "اسم المحل",
                        "Shop name",
                        is_required=True,
                    ),
                    field(
                        "place",
                        "cascading_select",
                        "محل واحد صنفی",
                        "مكان المحل",
                        "Place of the shop",
                        is_required=True,
                        config={
                            "levels": [
                                tr("label", "استان", "المحافظة", "Province"),
                                tr("label", "شهرستان", "المدينة", "City"),
                            ],
                            "options": PROVINCES,
                        },
                    ),
                    field(
                        "purchase_date",
                        "date",
                        "تاریخ خرید",
                        "تاريخ الشراء",
                        "Date of purchase",
                        config={"calendar": "jalali", "max": "today"},
                    ),
                    field(
                        "amount",
                        "number",
                        "مبلغ خرید (ریال)",
                        "مبلغ الشراء (ريال)",
                        "Amount paid (rials)",
                        config={"min": 0},
                    ),
                    field(
                        "complaint",
                        "long_text",
                        "شرح شکایت",
                        "وصف الشكوى",
                        "Your complaint",
                        is_required=True,
                        config={"min_length": 20, "max_length": 3000},
                    ),
                    field(
                        "invoice",
                        "image",
                        "تصویر فاکتور",
                        "صورة الفاتورة",
                        "Photo of the invoice",
                        config={"max_count": 3},
                    ),
                ),
            },
        },
        {
            "code": "17041325131",
            "category": "consumer",
            "card": {
                **CONSUMER_LAW,
                **CARD_COMMON,
                **tr(
                    "title",
                    "گزارش گران‌فروشی و کم‌فروشی",
                    "الإبلاغ عن رفع الأسعار ونقص الوزن",
                    "Reporting overpricing or short weight",
                ),
                "service_types": ["g2c"],
                "audiences": ["iranian_nationals"],
                "nature": "sovereign",
                "levels": ["city"],
                "duration_amount": 48,
                "duration_unit": "hours",
                "recipients_per_year": 15400,
            },
            "rows": {
                "fees": [fee("رایگان", "مجاني", "Free", 0)],
                "stages": stages(
                    True, True, False, True, request_channels=["portal", "phone", "sms"]
                ),
            },
        },
        {
            "code": "13061709000",
            "category": "certificates",
            "card": {
                **CARD_COMMON,
                **tr(
                    "legal_basis",
                    "قانون مدیریت داده‌ها و اطلاعات ملی (۱۴۰۱)، ماده ۴",
                    "قانون إدارة البيانات والمعلومات الوطنية (1401)، المادة 4",
                    "National Data and Information Management Law (1401), article 4",
                ),
                **tr(
                    "title",
                    "پاسخ به استعلام‌های دستگاه‌های اجرایی",
                    "الرد على استعلامات الأجهزة التنفيذية",
                    "Answering inquiries from other agencies",
                ),
                **tr(
                    "description",
                    "پاسخ برخط به استعلام وضعیت پروانه‌ها و کارت‌های بازرگانی از طریق گذرگاه خدمات دولت.",
                    "الرد الفوري على الاستعلام عن حالة التراخيص والبطاقات عبر ناقل الخدمات الحكومية.",
                    "Online answers about licences and trade cards through the Government Service Bus.",
                ),
                "service_types": ["g2g"],
                "audiences": ["agencies"],
                "nature": "operational",
                "levels": ["national"],
                "life_events": ["documents"],
                "start_trigger": "event",
                "duration_amount": 1,
                "duration_unit": "minutes",
                "recipients_per_month": 52000,
                "recipients_per_year": 624000,
            },
            "rows": {
                "fees": [fee("رایگان", "مجاني", "Free", 0)],
                "stages": [
                    {"stage": "information", "is_electronic": True, "channels": ["portal"]},
                    {
                        "stage": "request",
                        "is_electronic": True,
                        "channels": ["other"],
                        **tr("note", "از طریق GSB", "عبر GSB", "Through the GSB"),
                    },
                    {"stage": "processing", "is_electronic": True, "channels": ["other"]},
                    {"stage": "delivery", "is_electronic": True, "channels": ["other"]},
                ],
            },
        },
        {
            "code": "17041325140",
            "category": "certificates",
            "card": {
                **GUILD_LAW,
                **CARD_COMMON,
                **tr(
                    "title",
                    "صدور گواهی اعتبار پروانه کسب",
                    "إصدار شهادة صلاحية رخصة العمل",
                    "Certificate of a valid business licence",
                ),
                "service_types": ["g2c", "g2b"],
                "audiences": ["iranian_nationals", "businesses"],
                "nature": "operational",
                "levels": ["provincial"],
                "life_events": ["documents"],
                "duration_amount": 2,
                "duration_unit": "working_days",
                "in_person_visits": 1,
                "recipients_per_year": 2300,
            },
            "rows": {
                "fees": [
                    fee(
                        "هزینه صدور گواهی",
                        "رسوم الشهادة",
                        "Certificate fee",
                        150_000,
                        GUILD_ACCOUNT,
                        "اتحادیه صنف",
                    )
                ],
                "stages": stages(False, False, False, False),
            },
        },
    ]


@transaction.atomic
def load_demo_catalog() -> list[Service]:
    """Create the demo catalog unless its services exist; returns the services created."""
    agency, _ = OrgUnit.objects.get_or_create(code="agency", defaults={"name": "سازمان نمونه"})
    licences, _ = OrgUnit.objects.get_or_create(
        code="licences", defaults={"name": "اداره صدور مجوز", "parent": agency}
    )
    consumer_unit, _ = OrgUnit.objects.get_or_create(
        code="consumer-protection",
        defaults={"name": "اداره حمایت از مصرف‌کننده", "parent": agency},
    )
    categories = {}
    for position, (code, fa, ar, en) in enumerate(CATEGORIES):
        categories[code], _ = Category.objects.get_or_create(
            code=code,
            defaults={"name_fa": fa, "name_ar": ar, "name_en": en, "position": position},
        )
    created = []
    for position, spec in enumerate(_service_specs()):
        if Service.objects.filter(code=spec["code"]).exists():
            continue
        unit = consumer_unit if spec["category"] == "consumer" else licences
        card = {**spec["card"], "agency_id": agency.pk, "responsible_unit_id": unit.pk}
        parent = Service.objects.get(code=spec["parent"]) if spec.get("parent") else None
        service = services.create_service(
            spec["code"],
            category=categories[spec["category"]],
            parent=parent,
            position=position,
            card=card,
            rows=spec["rows"],
            actor=None,
            change_summary="نسخه نخست شناسنامه",
        )
        if spec.get("revise_fee"):
            fees = [dict(row) for row in spec["rows"]["fees"]]
            fees[0]["amount"] = spec["revise_fee"]
            services.revise_service(
                service, changes={"fees": fees}, actor=None, change_summary="تعرفه سال ۱۴۰۵"
            )
        services.publish_service(service, actor=None)
        created.append(service)
    return created
