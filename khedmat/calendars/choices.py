"""Scope kinds, holiday kinds and bases, override modes, weekdays, Iran's provinces."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from khedmat.calendars import packs, worktime


class ScopeKind(models.TextChoices):
    """Where a calendar row applies, from the widest to the narrowest."""

    NATIONAL = "national", _("Country")
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    AGENCY = "agency", _("Agency")
    ORG_UNIT = "org_unit", _("Organisational unit and the units below it")


# Narrower scopes win for work weeks and are applied last for hour changes.
SCOPE_RANK: dict[str, int] = {kind: rank for rank, kind in enumerate(ScopeKind.values)}
# Kinds a unit is placed in (its location); agencies and units are not places.
LOCATION_KINDS: frozenset[str] = frozenset({ScopeKind.NATIONAL, ScopeKind.PROVINCE, ScopeKind.CITY})
# The kind a location's parent must have.
PARENT_KIND: dict[str, str] = {
    ScopeKind.PROVINCE: ScopeKind.NATIONAL,
    ScopeKind.CITY: ScopeKind.PROVINCE,
}


class HolidayKind(models.TextChoices):
    """Official holidays close everything; administrative closures are working-hour management."""

    OFFICIAL_HOLIDAY = "official_holiday", _("Official holiday")
    ADMINISTRATIVE_CLOSURE = "administrative_closure", _("Administrative closure")
    SPECIAL_CLOSURE = "special_closure", _("Special closure")


class HolidayBasis(models.TextChoices):
    """Which calendar fixes the date: solar dates are fixed, lunar ones are announced each year."""

    SOLAR = "solar", _("Solar (fixed)")
    LUNAR = "lunar", _("Lunar (announced)")
    SOLAR_AND_LUNAR = "solar_lunar", _("Solar and lunar")


class OverrideMode(models.TextChoices):
    """How a dated override changes the hours of the working days it covers."""

    LIMIT = worktime.LIMIT, _("Limit the hours to the window")
    REPLACE = worktime.REPLACE, _("Replace the hours with the window")
    SHIFT = worktime.SHIFT, _("Start later or end earlier")


class Weekday(models.IntegerChoices):
    """Days of the week as Python numbers them (Monday 0), listed from Saturday."""

    SATURDAY = packs.SATURDAY, _("Saturday")
    SUNDAY = packs.SUNDAY, _("Sunday")
    MONDAY = packs.MONDAY, _("Monday")
    TUESDAY = packs.TUESDAY, _("Tuesday")
    WEDNESDAY = packs.WEDNESDAY, _("Wednesday")
    THURSDAY = packs.THURSDAY, _("Thursday")
    FRIDAY = packs.FRIDAY, _("Friday")


class ThursdayRule(models.TextChoices):
    """How an Iranian agency treats Thursday (R-39)."""

    CLOSED = packs.THURSDAY_CLOSED, _("Closed")
    HALF_DAY = packs.THURSDAY_HALF_DAY, _("Half day")
    WORKING = packs.THURSDAY_WORKING, _("Working")


# The 31 provinces of Iran: (scope code, Persian name, English name). Seeded as province scopes.
IRAN_PROVINCES: tuple[tuple[str, str, str], ...] = (
    ("ir-alborz", "البرز", "Alborz"),
    ("ir-ardabil", "اردبیل", "Ardabil"),
    ("ir-bushehr", "بوشهر", "Bushehr"),
    ("ir-chaharmahal-bakhtiari", "چهارمحال و بختیاری", "Chaharmahal and Bakhtiari"),
    ("ir-east-azerbaijan", "آذربایجان شرقی", "East Azerbaijan"),
    ("ir-fars", "فارس", "Fars"),
    ("ir-gilan", "گیلان", "Gilan"),
    ("ir-golestan", "گلستان", "Golestan"),
    ("ir-hamadan", "همدان", "Hamadan"),
    ("ir-hormozgan", "هرمزگان", "Hormozgan"),
    ("ir-ilam", "ایلام", "Ilam"),
    ("ir-isfahan", "اصفهان", "Isfahan"),
    ("ir-kerman", "کرمان", "Kerman"),
    ("ir-kermanshah", "کرمانشاه", "Kermanshah"),
    ("ir-khuzestan", "خوزستان", "Khuzestan"),
    ("ir-kohgiluyeh-boyer-ahmad", "کهگیلویه و بویراحمد", "Kohgiluyeh and Boyer-Ahmad"),
    ("ir-kurdistan", "کردستان", "Kurdistan"),
    ("ir-lorestan", "لرستان", "Lorestan"),
    ("ir-markazi", "مرکزی", "Markazi"),
    ("ir-mazandaran", "مازندران", "Mazandaran"),
    ("ir-north-khorasan", "خراسان شمالی", "North Khorasan"),
    ("ir-qazvin", "قزوین", "Qazvin"),
    ("ir-qom", "قم", "Qom"),
    ("ir-razavi-khorasan", "خراسان رضوی", "Razavi Khorasan"),
    ("ir-semnan", "سمنان", "Semnan"),
    ("ir-sistan-baluchestan", "سیستان و بلوچستان", "Sistan and Baluchestan"),
    ("ir-south-khorasan", "خراسان جنوبی", "South Khorasan"),
    ("ir-tehran", "تهران", "Tehran"),
    ("ir-west-azerbaijan", "آذربایجان غربی", "West Azerbaijan"),
    ("ir-yazd", "یزد", "Yazd"),
    ("ir-zanjan", "زنجان", "Zanjan"),
)
