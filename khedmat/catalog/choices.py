"""Fixed vocabularies of the service identity card (R-3, R-4, R-10, R-25) and the form builder."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# Languages a card's text is kept in; Persian is required and is the fallback of the others.
CARD_LANGUAGES: tuple[str, ...] = ("fa", "ar", "en")
FALLBACK_LANGUAGE = "fa"


class ServiceType(models.TextChoices):
    """Who the service is for (نوع خدمت); a card may have several."""

    G2C = "g2c", _("Government to citizens (G2C)")
    G2B = "g2b", _("Government to businesses (G2B)")
    G2G = "g2g", _("Government to other agencies (G2G)")


class Audience(models.TextChoices):
    """Who receives the service (نوع مخاطبین)."""

    IRANIAN_NATIONALS = "iranian_nationals", _("Iranian nationals")
    FOREIGN_NATIONALS = "foreign_nationals", _("Foreign nationals")
    BUSINESSES = "businesses", _("Businesses")
    AGENCIES = "agencies", _("Government agencies")


class Nature(models.TextChoices):
    """Sovereign (حاکمیتی) or operational (تصدی‌گری)."""

    SOVEREIGN = "sovereign", _("Sovereign")
    OPERATIONAL = "operational", _("Operational")


class Level(models.TextChoices):
    """Where the service is delivered (سطح خدمت); a card may have several."""

    NATIONAL = "national", _("National")
    REGIONAL = "regional", _("Regional")
    PROVINCIAL = "provincial", _("Provincial")
    CITY = "city", _("City")
    RURAL = "rural", _("Rural")


class LifeEvent(models.TextChoices):
    """The life event the service belongs to (رویداد مرتبط)."""

    BIRTH = "birth", _("Birth")
    EDUCATION = "education", _("Education")
    HEALTH = "health", _("Health")
    TAX = "tax", _("Tax")
    BUSINESS = "business", _("Business")
    SOCIAL_SECURITY = "social_security", _("Social security")
    PROPERTY = "property", _("Property registration")
    UTILITIES = "utilities", _("Urban utilities")
    INSURANCE = "insurance", _("Insurance")
    MARRIAGE = "marriage", _("Marriage")
    RETIREMENT = "retirement", _("Retirement")
    DOCUMENTS = "documents", _("Documents and certificates")
    DEATH = "death", _("Death")
    OTHER = "other", _("Other")


class StartTrigger(models.TextChoices):
    """How the service starts (نحوه آغاز خدمت)."""

    APPLICANT_REQUEST = "applicant_request", _("Applicant's request")
    FIXED_DATE = "fixed_date", _("A fixed date")
    EVENT = "event", _("An event")
    AGENCY_DECISION = "agency_decision", _("The agency's decision")
    OTHER = "other", _("Other")


class DurationUnit(models.TextChoices):
    """Unit of the average duration (متوسط مدت زمان ارائه خدمت)."""

    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    WORKING_DAYS = "working_days", _("working days")
    DAYS = "days", _("days")
    MONTHS = "months", _("months")


class Frequency(models.TextChoices):
    """How often one applicant may receive the service (تواتر)."""

    ONCE = "once", _("Once for ever")
    REPEATABLE = "repeatable", _("Several times per period")
    UNLIMITED = "unlimited", _("Whenever needed")


class FrequencyPeriod(models.TextChoices):
    """The period of a repeatable service's limit."""

    MONTH = "month", _("per month")
    YEAR = "year", _("per year")


class Stage(models.TextChoices):
    """The four stages whose channels and e-readiness a card records (R-4)."""

    INFORMATION = "information", _("Information")
    REQUEST = "request", _("Request")
    PROCESSING = "processing", _("Processing")
    DELIVERY = "delivery", _("Delivery")


# The order in which stages are shown and exported.
STAGE_ORDER: tuple[str, ...] = tuple(Stage.values)


class Channel(models.TextChoices):
    """Channels a stage goes through."""

    PORTAL = "portal", _("Internet portal")
    MOBILE_APP = "mobile_app", _("Mobile app")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone, IVR or contact centre")
    COUNTER = "counter", _("Government service counters (pishkhan)")
    IN_PERSON = "in_person", _("In person")
    OTHER = "other", _("Other")


class ElectronicStatus(models.TextChoices):
    """Derived from the stages (R-4): fully when all four are electronic, not when none is."""

    FULLY = "fully", _("Fully electronic")
    PARTIALLY = "partially", _("Partially electronic")
    NOT = "not", _("Not electronic")


class DocumentSource(models.TextChoices):
    """Where a required document comes from (R-10)."""

    UPLOAD = "upload", _("Uploaded by the applicant")
    INQUIRY = "inquiry", _("Obtained by inquiry")


class Currency(models.TextChoices):
    """Unit of a fee (R-25); amounts are integers in the currency's smallest unit."""

    IRR = "IRR", _("rial")
    IRT = "IRT", _("toman")
    IRR_NEW = "IRR_NEW", _("new rial")
    SAR = "SAR", _("Saudi riyal")
    AED = "AED", _("UAE dirham")
    IQD = "IQD", _("Iraqi dinar")


# Digits after the decimal point of each currency: the stored integer is in 10**-n units.
CURRENCY_DECIMALS: dict[str, int] = {
    Currency.IRR: 0,
    Currency.IRT: 0,
    Currency.IRR_NEW: 2,
    Currency.SAR: 2,
    Currency.AED: 2,
    Currency.IQD: 0,
}


class FieldType(models.TextChoices):
    """Kinds of form field an administrator can add to a service's form (R-9)."""

    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    TIME = "time", _("Time")
    SELECT = "select", _("List")
    CASCADING_SELECT = "cascading_select", _("Cascading list")
    CHECKBOX = "checkbox", _("Checkbox")
    NATIONAL_CODE = "national_code", _("National code")
    LEGAL_ID = "legal_id", _("Legal national ID")
    MOBILE = "mobile", _("Mobile number")
    POSTAL_CODE = "postal_code", _("Postal code")
    EMAIL = "email", _("Email")
    FILE = "file", _("File")
    IMAGE = "image", _("Image")
    LOCATION = "location", _("Map location")
    GROUP = "group", _("Repeating group")


class DateCalendar(models.TextChoices):
    """The calendar a date field is typed in; answers are stored as Gregorian ISO dates."""

    JALALI = "jalali", _("Solar Hijri (Jalali)")
    HIJRI = "hijri", _("Lunar Hijri (Umm al-Qura)")
    GREGORIAN = "gregorian", _("Gregorian")


class ShowIfOperator(models.TextChoices):
    """How a show-if condition compares the other field's answer."""

    EQUALS = "equals", _("equals")
    NOT_EQUALS = "not_equals", _("does not equal")
    IN = "in", _("is one of")
    CHECKED = "checked", _("is checked or filled")
    EMPTY = "empty", _("is empty")
