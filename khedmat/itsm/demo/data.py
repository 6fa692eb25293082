"""The ITSM demo's data: IT staff, callers, known errors, incidents and the major incident, as
they are reported and where the desk has taken them (loaded by `khedmat.itsm.demo`)."""

from __future__ import annotations

from dataclasses import dataclass

from khedmat.accounts.choices import Role
from khedmat.itsm.choices import Audience, HoldReason, IncidentChannel, ResolutionCode

DESK, INFRA = "service-desk", "infrastructure"
POLICY_NAME = "حادثه‌ها: پاسخ اولیه ۲ ساعت کاری، رفع ۲ روز کاری"


@dataclass(frozen=True)
class ItStaff:
    """An IT agent of the demo, printed with the other demo logins."""

    username: str
    password: str
    role: Role
    first_name: str
    last_name: str
    mobile: str
    team: str


IT_STAFF = (
    ItStaff("itdesk", "Khedmat-ItDesk-1405", Role.AGENT, "سعید", "موسوی", "09127770101", DESK),
    ItStaff("itinfra", "Khedmat-Infra-1405", Role.AGENT, "نرگس", "حیدری", "09127770102", INFRA),
)


@dataclass(frozen=True)
class Caller:
    """Someone without an account who phoned or wrote to the service desk."""

    name: str
    mobile: str = ""
    email: str = ""


@dataclass(frozen=True)
class DemoIncident:
    """One demo incident: what was reported, by whom, and where the desk has taken it.

    `state`: new, in_progress, on_hold, resolved, closed, reopened or duplicate (closed as a
    duplicate of `into`). `handler`: the IT agent who takes it ("" leaves it in the queue).
    """

    title: str
    description: str
    category: str
    state: str
    days_back: int  # working days before today
    clock: str  # local time of the report
    reporter: str | Caller
    impact: str = "medium"
    urgency: str = "medium"
    channel: str = IncidentChannel.DESK
    team: str = DESK
    handler: str = "itdesk"
    item: str = ""  # configuration item
    service: str = ""  # catalog service code
    hold: str = ""
    reply: str = ""
    note: str = ""
    known_error: str = ""  # title of the known error applied
    resolution: tuple[str, str] = ("", "")
    reopen: str = ""
    into: str = ""  # title of the incident it duplicates


@dataclass(frozen=True)
class DemoKnownError:
    title: str
    symptom: str
    workaround: str
    item: str = ""


# --- the data ---------------------------------------------------------------------------------

NOORI = Caller("فاطمه نوری", mobile="09121112233")
HOSSEINI = Caller("امیر حسینی", mobile="09351234567")
GHASEMI = Caller("رضا قاسمی", mobile="09131112244")
MORADI = Caller("لیلا مرادی", email="l.moradi@agency.example.ir")
JAFARI = Caller("نسرین جعفری", mobile="09191234455")
RAHIMI = Caller("سارا رحیمی", mobile="09124445566")
KAZEMI = Caller("مهدی کاظمی", mobile="09127778899")

KE_QUOTA = "پر شدن سهمیه صندوق پست و برگشت نامه‌ها (Mailbox quota exceeded)"
KE_PRINTER = "چاپ نشدن روی HP LaserJet M402 پس از به‌روزرسانی ویندوز (Printer driver after update)"
KE_OTP = "دیر رسیدن پیامک کد ورود به درگاه (Portal login OTP delay)"
KE_CERTIFICATE = "منقضی شدن گواهی امنیتی سامانه اتوماسیون اداری (TLS certificate expiry)"
KE_VPN = "قطع اتصال VPN پس از چند دقیقه بیکاری (VPN idle disconnect)"

KNOWN_ERRORS = (
    DemoKnownError(
        KE_QUOTA,
        "هنگام ارسال نامه پیغام «صندوق پست شما پر است» نمایش داده می‌شود و نامه‌های رسیده با خطای "
        "۵۵۲ به فرستنده برمی‌گردند.",
        "پوشه‌های «موارد حذف‌شده» و «ارسال‌شده» را خالی کنید و نامه‌های قدیمی‌تر از یک سال را با "
        "«بایگانی خودکار» به فایل PST روی درایو D ببرید. در صورت نیاز، میز خدمت سهمیه را موقتاً تا "
        "۱۰ گیگابایت افزایش می‌دهد.",
        "MAIL-01 (Exchange 2019)",
    ),
    DemoKnownError(
        KE_PRINTER,
        "پس از نصب به‌روزرسانی تجمعی ویندوز ۱۰، کارهای چاپ در صف می‌مانند و چاپگر در وضعیت «خطا» "
        "دیده می‌شود.",
        "درایور فعلی را در «Print Management» حذف کنید، «HP Universal Print Driver PCL6» نسخه ۷٫۰٫۱ "
        "را از پوشه اشتراکی درایورها نصب کنید و سرویس Print Spooler را دوباره راه‌اندازی کنید.",
        "HP LaserJet M402",
    ),
    DemoKnownError(
        KE_OTP,
        "پیامک کد یک‌بارمصرف ورود به درگاه برای مشترکان برخی اپراتورها چند دقیقه دیرتر می‌رسد و کد "
        "پیش از رسیدن منقضی می‌شود.",
        "از متقاضی بخواهید دو دقیقه صبر کند و سپس «ارسال دوباره کد» را بزند؛ اگر دریافت پیامک "
        "تبلیغاتی را روی خط خود بسته است، دریافت پیامک از سرشماره‌های خدماتی را باز کند. اگر باز هم "
        "نرسید، ساعت تلاش و شماره همراه را برای پیگیری با سرویس‌دهنده پیامک ثبت کنید.",
        "SMS-GW (سرویس‌دهنده پیامک)",
    ),
    DemoKnownError(
        KE_CERTIFICATE,
        "مرورگر هنگام باز کردن سامانه اتوماسیون اداری خطای «اتصال شما خصوصی نیست» "
        "(NET::ERR_CERT_DATE_INVALID) نشان می‌دهد و افزونه امضای دیجیتال وصل نمی‌شود.",
        "تا نصب گواهی جدید از نشانی داخلی سامانه با گواهی مرکز صدور داخلی استفاده کنید و هشدار "
        "مرورگر را دستی نپذیرید. تیم زیرساخت گواهی را روی توازن‌گر بار تمدید می‌کند.",
        "LB-01 (توازن‌گر بار)",
    ),
)

INCIDENTS = (
    # --- new: in a queue, nobody on it yet
    DemoIncident(
        "چاپگر طبقه دوم کاغذ را جمع می‌کند",
        "از صبح هر برگه‌ای که چاپ می‌شود مچاله بیرون می‌آید و چاپگر پیغام گیر کردن کاغذ می‌دهد.",
        "hardware",
        "new",
        0,
        "09:10",
        "operator",
        impact="low",
        urgency="medium",
        handler="",
        item="PRN-2F-01 (HP LaserJet M402)",
    ),
    DemoIncident(
        "قفل شدن حساب کاربری در سامانه اتوماسیون اداری",
        "پس از سه بار ورود ناموفق، حساب قفل شده و نامه‌های امروز ارجاع نشده‌اند.",
        "access",
        "new",
        0,
        "08:40",
        NOORI,
        impact="low",
        urgency="high",
        handler="",
    ),
    DemoIncident(
        "صفحه پرداخت درگاه پس از بازگشت از بانک خالی می‌ماند",
        "مبلغ از حسابم کم شد ولی پس از بازگشت از درگاه بانک صفحه سفید ماند و رسید پرداخت نیامد.",
        "portal",
        "new",
        0,
        "10:05",
        "applicant",
        channel=IncidentChannel.PORTAL,
        handler="",
        service="10012656000sh13",
    ),
    DemoIncident(
        "کندی شدید اینترنت در ساختمان شماره ۲",
        "باز شدن هر صفحه بیش از یک دقیقه طول می‌کشد؛ تماس‌های تصویری هم قطع می‌شوند.",
        "network",
        "new",
        0,
        "11:20",
        HOSSEINI,
        handler="",
        item="SW-B2-CORE (Cisco 9300)",
    ),
    DemoIncident(
        "نمایش نامرتب حروف فارسی در خروجی PDF گزارش‌ها",
        "در گزارش ماهانه پروانه‌ها حروف فارسی جدا از هم و از چپ به راست چاپ می‌شوند.",
        "software",
        "new",
        1,
        "13:15",
        "agent",
        impact="low",
        urgency="low",
        handler="",
    ),
    DemoIncident(
        "تلفن IP اتاق ۳۱۲ بوق آزاد ندارد",
        "گوشی روشن است ولی بوق آزاد ندارد و تماس ورودی هم نمی‌رسد.",
        "hardware",
        "new",
        1,
        "10:30",
        KAZEMI,
        impact="low",
        team=INFRA,
        handler="assigned:itinfra",
        item="IPPHONE-312",
    ),
    DemoIncident(
        "خطای «نشست منقضی شده» هنگام بارگذاری مدارک در درگاه",
        "هر بار که تصویر آگهی مفقودی را بارگذاری می‌کنم، پیغام «نشست شما منقضی شده است» می‌آید.",
        "portal",
        "new",
        0,
        "08:05",
        "applicant",
        urgency="high",
        channel=IncidentChannel.PORTAL,
        handler="",
        service="10012656000sh15",
    ),
    # --- in progress
    DemoIncident(
        "نرسیدن نامه‌های بیرونی به صندوق پست اداره حقوقی",
        "از دیروز عصر هیچ نامه‌ای از بیرون سازمان به صندوق‌های اداره حقوقی نرسیده است.",
        "email",
        "in_progress",
        1,
        "08:15",
        MORADI,
        urgency="high",
        channel=IncidentChannel.EMAIL,
        item="MAIL-01 (Exchange 2019)",
        note="صف نامه‌های ورودی روی دروازه ضدهرزنامه بررسی شد؛ قاعده جدید فیلتر مشکوک است.",
    ),
    DemoIncident(
        "پیغام پر بودن صندوق پست و برگشت نامه‌ها",
        "نامه‌هایی که برایم فرستاده می‌شود برمی‌گردد و پیغام پر بودن صندوق می‌بینم.",
        "email",
        "in_progress",
        0,
        "08:50",
        "supervisor",
        impact="low",
        urgency="high",
        item="MAIL-01 (Exchange 2019)",
        known_error=KE_QUOTA,
    ),
    DemoIncident(
        "چاپ نشدن از رایانه‌های واحد مالی پس از به‌روزرسانی ویندوز",
        "از دیروز هیچ‌کدام از رایانه‌های واحد مالی روی چاپگر مشترک چاپ نمی‌کنند.",
        "hardware",
        "in_progress",
        1,
        "09:45",
        GHASEMI,
        item="PRN-FIN-01 (HP LaserJet M402)",
        known_error=KE_PRINTER,
    ),
    DemoIncident(
        "قطع و وصل شدن Wi-Fi در سالن جلسات",
        "در جلسه‌ها اتصال بی‌سیم هر چند دقیقه قطع می‌شود.",
        "network",
        "in_progress",
        1,
        "11:40",
        "agent",
        impact="low",
        team=INFRA,
        handler="itinfra",
        item="AP-MEETING-01",
    ),
    DemoIncident(
        "کار نکردن اسکنر پیشخوان شماره ۳",
        "اسکنر پیشخوان ۳ روشن نمی‌شود و مدارک متقاضیان اسکن نمی‌شود.",
        "hardware",
        "in_progress",
        0,
        "07:55",
        "operator",
        urgency="high",
        item="SCN-DESK-03",
        note="کابل برق و درگاه USB عوض شد؛ اسکنر یدکی از انبار درخواست شد.",
    ),
    DemoIncident(
        "نرسیدن پیامک کد ورود به درگاه",
        "دو بار درخواست کد دادم ولی پیامکی نرسید و نمی‌توانم وارد درگاه شوم.",
        "portal",
        "in_progress",
        0,
        "09:30",
        "applicant",
        urgency="high",
        channel=IncidentChannel.PORTAL,
        known_error=KE_OTP,
    ),
    DemoIncident(
        "خطای اتصال نرم‌افزار حسابداری به پایگاه داده",
        "نرم‌افزار حسابداری هنگام باز شدن پیغام «سرور پایگاه داده در دسترس نیست» می‌دهد.",
        "software",
        "in_progress",
        0,
        "10:20",
        GHASEMI,
        impact="high",
        team=INFRA,
        handler="itinfra",
        item="DB-FIN (SQL Server 2019)",
    ),
    # --- on hold, two for each reason
    DemoIncident(
        "باز نشدن فایل‌های پیوست در Outlook",
        "پیوست‌های Word در Outlook باز نمی‌شوند و پیغام خطای «فایل خراب است» می‌آید.",
        "email",
        "on_hold",
        1,
        "12:10",
        JAFARI,
        impact="low",
        hold=HoldReason.AWAITING_CALLER,
        reply="لطفاً از پیغام خطا تصویر بگیرید و نام یکی از فایل‌ها را برای ما بفرستید.",
    ),
    DemoIncident(
        "نداشتن دسترسی به پوشه اشتراکی اسناد مجوزها",
        "از امروز پوشه اسناد مجوزها پیغام «دسترسی ندارید» می‌دهد.",
        "access",
        "on_hold",
        0,
        "08:25",
        "agent",
        hold=HoldReason.AWAITING_CALLER,
        reply="لطفاً نشانی کامل پوشه و نام رایانه خود را بفرستید تا دسترسی را بررسی کنیم.",
    ),
    DemoIncident(
        "خرابی منبع تغذیه سرور بایگانی الکترونیک",
        "یکی از دو منبع تغذیه سرور بایگانی چراغ خطا دارد و سرور روی یک منبع کار می‌کند.",
        "hardware",
        "on_hold",
        2,
        "09:00",
        "supervisor",
        impact="high",
        urgency="low",
        team=INFRA,
        handler="itinfra",
        item="SRV-ARCH-01 (HPE DL380)",
        hold=HoldReason.AWAITING_SUPPLIER,
        note="درخواست تعویض در ضمانت برای شرکت پشتیبان سخت‌افزار فرستاده شد.",
    ),
    DemoIncident(
        "قطعی خط ارتباطی اداره شهرستان کاشان",
        "اداره کاشان از ساعت ۸ به شبکه سازمان وصل نیست و سامانه‌ها را نمی‌بیند.",
        "network",
        "on_hold",
        0,
        "08:10",
        HOSSEINI,
        urgency="high",
        team=INFRA,
        handler="itinfra",
        item="WAN-KASHAN (MPLS)",
        hold=HoldReason.AWAITING_SUPPLIER,
        note="خرابی کابل نوری در مسیر مخابرات؛ شرکت مخابرات گزارش را با شماره ۴۵۱۲۳ ثبت کرد.",
    ),
    DemoIncident(
        "کند بودن جست‌وجوی پرونده‌ها در سامانه بایگانی",
        "جست‌وجوی یک پرونده با شماره ملی بیش از یک دقیقه طول می‌کشد.",
        "software",
        "on_hold",
        2,
        "11:00",
        "operator",
        urgency="low",
        team=INFRA,
        handler="itinfra",
        item="DB-ARCH (PostgreSQL)",
        hold=HoldReason.AWAITING_CHANGE,
        note="نمایه تازه روی جدول پرونده‌ها لازم است؛ درخواست تغییر برای پنجره پنجشنبه ثبت شد.",
    ),
    DemoIncident(
        "ناسازگاری افزونه امضای دیجیتال با نسخه جدید مرورگر",
        "پس از به‌روز شدن مرورگر، دکمه امضای نامه کار نمی‌کند.",
        "software",
        "on_hold",
        1,
        "09:20",
        "supervisor",
        hold=HoldReason.AWAITING_CHANGE,
        note="بازگرداندن نسخه مرورگر در سیاست گروهی، در پنجره تغییر چهارشنبه انجام می‌شود.",
    ),
    # --- resolved (the reporter may still reopen them)
    DemoIncident(
        "قفل شدن حساب کاربری پس از تغییر گذرواژه",
        "از صبح چند بار حسابم قفل شده است.",
        "access",
        "resolved",
        0,
        "07:40",
        RAHIMI,
        impact="low",
        urgency="high",
        resolution=(
            ResolutionCode.USER_ERROR,
            "گذرواژه قدیمی روی تلفن همراه برای پست الکترونیک ذخیره بود؛ حذف و حساب باز شد.",
        ),
    ),
    DemoIncident(
        "نصب نبودن فونت‌های فارسی روی رایانه جدید",
        "در رایانه تازه، نامه‌ها با فونت اشتباه نمایش داده می‌شوند.",
        "software",
        "resolved",
        1,
        "10:00",
        "agent",
        impact="low",
        urgency="low",
        resolution=(ResolutionCode.SOLVED_PERMANENTLY, "بسته فونت‌های سازمانی نصب شد."),
    ),
    DemoIncident(
        "قطع نشدن هشدار دمای اتاق سرور",
        "هشدار دمای اتاق سرور با وجود کار کردن کولرها مدام پیامک می‌فرستد.",
        "hardware",
        "resolved",
        1,
        "08:30",
        "supervisor",
        team=INFRA,
        handler="itinfra",
        item="SENSOR-DC-02",
        resolution=(ResolutionCode.SOLVED_PERMANENTLY, "حسگر دمای معیوب تعویض شد."),
    ),
    DemoIncident(
        "خطای ۴۰۳ هنگام دریافت رسید درخواست از درگاه",
        "روی «دریافت رسید» که می‌زنم خطای ۴۰۳ می‌آید.",
        "portal",
        "resolved",
        0,
        "09:05",
        "applicant",
        channel=IncidentChannel.PORTAL,
        service="10012656000sh14",
        resolution=(
            ResolutionCode.SOLVED_WORKAROUND,
            "پس از خروج و ورود دوباره به درگاه، رسید دریافت می‌شود؛ اصلاح دائمی در دست است.",
        ),
    ),
    DemoIncident(
        "همگام نشدن تقویم Outlook روی تلفن همراه",
        "جلسه‌های تازه در تقویم تلفن همراهم دیده نمی‌شوند.",
        "email",
        "resolved",
        1,
        "12:30",
        "supervisor",
        impact="low",
        urgency="low",
        resolution=(
            ResolutionCode.NOT_REPRODUCIBLE,
            "پس از همگام‌سازی دوباره، همه جلسه‌ها دیده شدند و خطا تکرار نشد.",
        ),
    ),
    # --- closed
    DemoIncident(
        "قطع VPN هنگام کار از منزل",
        "اتصال VPN پس از چند دقیقه بی‌کاری قطع می‌شود و فایل‌های باز ذخیره نمی‌شوند.",
        "network",
        "closed",
        8,
        "09:15",
        RAHIMI,
        team=INFRA,
        handler="itinfra",
        item="FW-01 (FortiGate 200F)",
        resolution=(
            ResolutionCode.SOLVED_WORKAROUND,
            "گزینه Always up در FortiClient روشن شد؛ ریشه مشکل در مسئله ثبت‌شده پیگیری می‌شود.",
        ),
    ),
    DemoIncident(
        "قطع مکرر اتصال VPN پس از چند دقیقه بیکاری",
        "در دورکاری، VPN هر چند دقیقه قطع می‌شود.",
        "network",
        "closed",
        6,
        "10:40",
        "agent",
        team=INFRA,
        handler="itinfra",
        item="FW-01 (FortiGate 200F)",
        resolution=(ResolutionCode.SOLVED_WORKAROUND, "گزینه Always up در FortiClient روشن شد."),
    ),
    DemoIncident(
        "هشدار گواهی امنیتی نامعتبر در سامانه اتوماسیون اداری",
        "مرورگر هنگام ورود به اتوماسیون اداری هشدار امنیتی می‌دهد و امضای نامه ممکن نیست.",
        "software",
        "closed",
        5,
        "07:45",
        "operator",
        impact="high",
        urgency="high",
        team=INFRA,
        handler="itinfra",
        item="LB-01 (توازن‌گر بار)",
        known_error=KE_CERTIFICATE,
        resolution=(
            ResolutionCode.SOLVED_PERMANENTLY,
            "گواهی تمدید و روی توازن‌گر بار نصب شد؛ هشدار انقضا در سامانه پایش تنظیم شد.",
        ),
    ),
    DemoIncident(
        "خاموش شدن ناگهانی رایانه پیشخوان ۱",
        "رایانه پیشخوان ۱ چند بار در روز خاموش می‌شود.",
        "hardware",
        "closed",
        4,
        "08:20",
        "operator",
        item="PC-DESK-01",
        resolution=(ResolutionCode.SOLVED_PERMANENTLY, "منبع تغذیه رایانه تعویض شد."),
    ),
    DemoIncident(
        "باز نشدن سامانه حضور و غیاب",
        "صفحه سامانه حضور و غیاب بعد از ورود سفید می‌ماند.",
        "software",
        "closed",
        3,
        "07:35",
        NOORI,
        resolution=(
            ResolutionCode.SOLVED_PERMANENTLY,
            "سرویس برنامه روی سرور دوباره راه‌اندازی شد.",
        ),
    ),
    DemoIncident(
        "Wi-Fi سالن جلسات مدام قطع می‌شود",
        "در جلسه امروز اینترنت بی‌سیم سه بار قطع شد.",
        "network",
        "duplicate",
        0,
        "08:45",
        "supervisor",
        impact="low",
        into="قطع و وصل شدن Wi-Fi در سالن جلسات",
    ),
    # --- reopened by the reporter: in progress again
    DemoIncident(
        "ارسال نشدن فرم تمدید پروانه در درگاه",
        "دکمه «ثبت نهایی» فرم تمدید کار نمی‌کند.",
        "portal",
        "reopened",
        2,
        "09:50",
        "applicant",
        urgency="high",
        channel=IncidentChannel.PORTAL,
        service="10012656000sh14",
        resolution=(
            ResolutionCode.SOLVED_WORKAROUND,
            "حافظه نهان مرورگر پاک شد و فرم ارسال شد.",
        ),
        reopen="هنوز هم با زدن «ثبت نهایی» اتفاقی نمی‌افتد.",
    ),
    DemoIncident(
        "کار نکردن میکروفون در جلسه‌های ویدیویی",
        "در جلسه‌های ویدیویی صدای من به دیگران نمی‌رسد.",
        "hardware",
        "reopened",
        1,
        "08:35",
        "agent",
        impact="low",
        resolution=(ResolutionCode.SOLVED_PERMANENTLY, "راه‌انداز صدا دوباره نصب شد."),
        reopen="امروز دوباره همان مشکل پیش آمد.",
    ),
)

MAJOR = DemoIncident(
    "اختلال سراسری در ورود به درگاه خدمات الکترونیک (Portal login outage)",
    "از چند دقیقه پیش هیچ متقاضی‌ای نمی‌تواند وارد درگاه شود؛ صفحه ورود پس از ۳۰ ثانیه خطای ۵۰۴ "
    "می‌دهد.",
    "portal",
    "in_progress",
    0,
    "",
    "operator",
    impact="high",
    urgency="high",
    team=INFRA,
    handler="itinfra",
    item="portal.example.ir",
)
CHILDREN = (
    DemoIncident(
        "خطای ۵۰۴ هنگام ورود به درگاه",
        "پس از وارد کردن کد پیامک، صفحه مدتی می‌چرخد و خطای ۵۰۴ می‌آید.",
        "portal",
        "new",
        0,
        "",
        "applicant",
        urgency="high",
        channel=IncidentChannel.PORTAL,
        handler="",
    ),
    DemoIncident(
        "متقاضیان پیشخوان نمی‌توانند وارد حساب خود شوند",
        "از صبح هیچ‌کدام از متقاضیان پیشخوان نتوانسته‌اند وارد حساب درگاه شوند.",
        "portal",
        "new",
        0,
        "",
        "agent",
        urgency="high",
        handler="",
    ),
    DemoIncident(
        "صفحه ورود درگاه بارگذاری نمی‌شود",
        "صفحه ورود درگاه باز نمی‌شود و مرورگر خطای زمان انتظار می‌دهد.",
        "portal",
        "in_progress",
        0,
        "",
        JAFARI,
        urgency="high",
    ),
)
MAJOR_UPDATES = (
    (
        Audience.PUBLIC,
        "درگاه خدمات الکترونیک هم‌اکنون در ورود کاربران با اختلال روبه‌روست و کارشناسان در حال رفع "
        "آن هستند. درخواست‌های ثبت‌شده محفوظ است؛ از پوزش شما سپاسگزاریم.",
    ),
    (
        Audience.STAFF,
        "علت اولیه: پر شدن اتصال‌های پایگاه داده سامانه احراز هویت. سقف اتصال‌ها موقتاً افزایش یافت؛ "
        "ورود برای بخشی از کاربران برقرار شده است.",
    ),
    (
        Audience.STAFF,
        "ورود حدود ۸۰٪ کاربران برقرار است. تیم زیرساخت استخر اتصال سرویس احراز هویت را بازتنظیم "
        "می‌کند؛ به‌روزرسانی بعدی تا یک ساعت دیگر.",
    ),
)

PORTAL_PROBLEM = (
    "پر شدن اتصال‌های پایگاه داده درگاه در ساعات اوج (DB connection pool exhaustion)",
    "در ساعات اوج، ورود به درگاه پس از ۳۰ ثانیه با خطای ۵۰۴ پایان می‌یابد.",
    "سقف اتصال‌های همزمان پایگاه داده (max_connections) با افزایش مراجعه در پایان مهلت تمدید "
    "پروانه‌ها پر می‌شود؛ سرویس احراز هویت برای هر درخواست اتصال تازه می‌گیرد و منتظر می‌ماند.",
)
VPN_PROBLEM = (
    "قطع اتصال VPN کارکنان دورکار پس از بیکاری (VPN idle timeout)",
    "اتصال SSL-VPN کارکنان دورکار پس از چند دقیقه بی‌کاری قطع می‌شود و کار ذخیره‌نشده از دست می‌رود.",
    "مهلت بیکاری نشست SSL-VPN در فایروال پس از ارتقای سیستم‌عامل به ۵ دقیقه برگشته است.",
    "در FortiClient گزینه «Always up» را روشن کنید و پیش از جلسه‌های طولانی اتصال را یک بار قطع و "
    "وصل کنید؛ تنظیم مهلت بیکاری فایروال در درخواست تغییر بعدی برمی‌گردد.",
)
