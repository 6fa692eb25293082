"""Country packs (R-42): time zone, weekend and default office hours of a country.

Plain data, no database: a pack is the fallback week of a country's calendars and the template
`services.install_country_pack` copies into editable rows. Hours are the usual government office
hours; administrators adjust them as work weeks and dated overrides in the admin.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from khedmat.calendars.worktime import Week, make_week

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)

# How Iranian agencies treat Thursday: a setting of the pack, not a law of nature.
THURSDAY_CLOSED = "closed"
THURSDAY_HALF_DAY = "half_day"
THURSDAY_WORKING = "working"
THURSDAY_RULES = (THURSDAY_CLOSED, THURSDAY_HALF_DAY, THURSDAY_WORKING)

Hours = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CountryPack:
    """Time zone, weekend and default hours of one country."""

    code: str
    name_fa: str
    name_ar: str
    name_en: str
    time_zone: str
    weekend: frozenset[int]
    hours: dict[int, Hours]
    # Only where Thursday varies by agency (Iran): its hours when working or half a day.
    thursday_hours: dict[str, Hours] = field(default_factory=dict)
    default_thursday: str = ""

    def week(self, thursday: str | None = None) -> Week:
        """The default week; for Iran, `thursday` chooses closed / half_day / working."""
        hours = dict(self.hours)
        rule = thursday or self.default_thursday
        if self.thursday_hours:
            if rule not in THURSDAY_RULES:
                raise ValueError(f"unknown Thursday rule {rule!r}")
            hours.pop(THURSDAY, None)
            if rule != THURSDAY_CLOSED:
                hours[THURSDAY] = self.thursday_hours[rule]
        elif thursday:
            raise ValueError(f"the {self.code} pack has no Thursday rule")
        return make_week(hours)

    def working_weekdays(self, thursday: str | None = None) -> frozenset[int]:
        """Python weekday numbers that have working hours in the default week."""
        return frozenset(day for day, hours in enumerate(self.week(thursday)) if hours)


def _days(days: tuple[int, ...], hours: Hours) -> dict[int, Hours]:
    return dict.fromkeys(days, hours)


IRAN_HOURS: Hours = (("07:30", "14:30"),)

PACKS: dict[str, CountryPack] = {
    "IR": CountryPack(
        code="IR",
        name_fa="ایران",
        name_ar="إيران",
        name_en="Iran",
        time_zone="Asia/Tehran",
        weekend=frozenset({FRIDAY}),
        hours=_days((SATURDAY, SUNDAY, MONDAY, TUESDAY, WEDNESDAY), IRAN_HOURS),
        thursday_hours={
            THURSDAY_HALF_DAY: (("07:30", "12:30"),),
            THURSDAY_WORKING: IRAN_HOURS,
        },
        default_thursday=THURSDAY_CLOSED,
    ),
    "SA": CountryPack(
        code="SA",
        name_fa="عربستان سعودی",
        name_ar="المملكة العربية السعودية",
        name_en="Saudi Arabia",
        time_zone="Asia/Riyadh",
        weekend=frozenset({FRIDAY, SATURDAY}),
        hours=_days((SUNDAY, MONDAY, TUESDAY, WEDNESDAY, THURSDAY), (("07:30", "14:30"),)),
    ),
    "IQ": CountryPack(
        code="IQ",
        name_fa="عراق",
        name_ar="العراق",
        name_en="Iraq",
        time_zone="Asia/Baghdad",
        weekend=frozenset({FRIDAY, SATURDAY}),
        hours=_days((SUNDAY, MONDAY, TUESDAY, WEDNESDAY, THURSDAY), (("08:00", "14:00"),)),
    ),
    "AE": CountryPack(
        code="AE",
        name_fa="امارات متحده عربی",
        name_ar="الإمارات العربية المتحدة",
        name_en="United Arab Emirates",
        time_zone="Asia/Dubai",
        weekend=frozenset({SATURDAY, SUNDAY}),
        hours={
            **_days((MONDAY, TUESDAY, WEDNESDAY, THURSDAY), (("07:30", "15:30"),)),
            FRIDAY: (("07:30", "12:00"),),
        },
    ),
}


def get_pack(code: str) -> CountryPack:
    """The pack of a country code (case-insensitive); KeyError names the known ones."""
    try:
        return PACKS[code.upper()]
    except KeyError:
        raise KeyError(f"no country pack {code!r}; known: {', '.join(sorted(PACKS))}") from None
