"""Calendars from the database: scopes of a unit, R-38 provincial closures, caching."""

from __future__ import annotations

import datetime as dt

import pytest

from khedmat.accounts.models import OrgUnit
from khedmat.calendars import services
from khedmat.calendars.choices import HolidayKind, ScopeKind
from khedmat.calendars.models import CalendarScope, Holiday
from khedmat.calendars.queries import (
    calendar_for_scope,
    calendar_for_unit,
    calendars_for_units,
    org_unit_ids_in_scope,
    revision_number,
)
from khedmat.calendars.worktime import (
    add_working_days,
    add_working_hours,
    is_working_day,
    working_minutes_between,
)
from khedmat.calendars.worktime import (
    calendar_for_unit as worktime_calendar_for_unit,
)
from tests.calendars.helpers import TEHRAN, tehran

pytestmark = pytest.mark.django_db

SUNDAY = dt.date(2026, 5, 3)  # 1405/02/13, an ordinary working day


@pytest.fixture
def offices(org_units, scopes):  # type: ignore[no-untyped-def]
    """A Tehran office (placed via its directorate), an Isfahan agency, an unplaced one."""
    tehran_office = org_units["office"]
    services.place_org_unit(org_units["directorate"], location=scopes["tehran"], actor=None)
    services.place_org_unit(org_units["other"], location=scopes["isfahan"], actor=None)
    unplaced = OrgUnit.objects.create(code="nowhere", name="Unplaced")
    return {"tehran": tehran_office, "isfahan": org_units["other"], "unplaced": unplaced}


def due(unit: OrgUnit, start: dt.datetime, days: int = 3) -> dt.datetime:
    return add_working_days(calendar_for_unit(unit), start, days)


class TestR38ProvincialClosure:
    def test_closure_for_tehran_moves_only_tehran_due_dates(self, offices, scopes) -> None:  # type: ignore[no-untyped-def]
        start = tehran(2026, 5, 2, 9)  # Saturday
        before = {name: due(unit, start) for name, unit in offices.items()}
        assert len(set(before.values())) == 1
        services.announce_closure(
            date=SUNDAY,
            scope=scopes["tehran"],
            name_fa="تعطیلی استان تهران",
            actor=None,
        )
        after = {name: due(unit, start) for name, unit in offices.items()}
        assert after["tehran"] == before["tehran"] + dt.timedelta(days=1)
        assert after["isfahan"] == before["isfahan"]
        assert after["unplaced"] == before["unplaced"]

    def test_seeded_heat_closure_applies_in_tehran_only(self, offices) -> None:  # type: ignore[no-untyped-def]
        heat = dt.date(2025, 7, 23)
        assert not is_working_day(calendar_for_unit(offices["tehran"]), heat)
        assert is_working_day(calendar_for_unit(offices["isfahan"]), heat)
        assert not is_working_day(calendar_for_scope(province="ir-tehran"), heat)
        assert is_working_day(calendar_for_scope(), heat)

    def test_org_unit_scope_covers_the_unit_and_the_units_below(self, org_units, changes) -> None:  # type: ignore[no-untyped-def]
        scope = CalendarScope.objects.create(
            kind=ScopeKind.ORG_UNIT, code="directorate", name_fa="معاونت"
        )
        services.announce_closure(date=SUNDAY, scope=scope, name_fa="تعطیلی معاونت", actor=None)
        assert not is_working_day(calendar_for_unit(org_units["office"]), SUNDAY)
        assert not is_working_day(calendar_for_unit(org_units["directorate"]), SUNDAY)
        assert is_working_day(calendar_for_unit(org_units["ministry"]), SUNDAY)
        assert org_unit_ids_in_scope(scope) == {
            org_units["directorate"].pk,
            org_units["office"].pk,
        }


class TestUnitsInScope:
    def test_province_national_and_agency(self, offices, org_units, scopes) -> None:  # type: ignore[no-untyped-def]
        assert org_unit_ids_in_scope(scopes["tehran"]) == {
            org_units["directorate"].pk,
            org_units["office"].pk,
        }
        assert org_unit_ids_in_scope(scopes["isfahan"]) == {org_units["other"].pk}
        everyone = set(OrgUnit.objects.values_list("pk", flat=True))
        assert org_unit_ids_in_scope(scopes["iran"]) == everyone
        agency = CalendarScope.objects.create(kind=ScopeKind.AGENCY, code="bank", name_fa="بانک")
        services.place_org_unit(
            org_units["other"], location=scopes["isfahan"], agency=agency, actor=None
        )
        assert org_unit_ids_in_scope(agency) == {org_units["other"].pk}


class TestWorkWeeksByScope:
    def test_agency_week_with_half_day_thursday_wins_over_the_national_week(
        self, offices, org_units, scopes
    ) -> None:  # type: ignore[no-untyped-def]
        agency = CalendarScope.objects.create(kind=ScopeKind.AGENCY, code="post", name_fa="پست")
        hours = {day: [(dt.time(7, 30), dt.time(14, 30))] for day in (5, 6, 0, 1, 2)}
        hours[3] = [(dt.time(7, 30), dt.time(12, 30))]
        services.create_work_week(
            agency, name="Post office week", valid_from=dt.date(2026, 1, 1), hours=hours, actor=None
        )
        services.place_org_unit(
            org_units["other"], location=scopes["isfahan"], agency=agency, actor=None
        )
        start = tehran(2026, 4, 22, 13, 30)  # Wednesday
        assert add_working_hours(calendar_for_unit(org_units["other"]), start, 3) == tehran(
            2026, 4, 23, 9, 30
        )
        assert add_working_hours(calendar_for_unit(offices["tehran"]), start, 3) == tehran(
            2026, 4, 25, 9, 30
        )

    def test_seeded_dey_override_gives_six_hour_days(self) -> None:
        calendar = calendar_for_unit(None)
        day = tehran(2026, 1, 5)  # Monday 1404/10/15
        assert working_minutes_between(calendar, day, day + dt.timedelta(days=1)) == 360
        day = tehran(2025, 12, 21)  # Sunday 1404/09/30
        assert working_minutes_between(calendar, day, day + dt.timedelta(days=1)) == 420

    def test_administrative_closures_skip_units_that_stay_open(self, org_units, scopes) -> None:  # type: ignore[no-untyped-def]
        services.place_org_unit(
            org_units["other"],
            location=scopes["tehran"],
            observes_administrative_closures=False,
            actor=None,
        )
        heat = dt.date(2025, 7, 23)
        assert is_working_day(calendar_for_unit(org_units["other"]), heat)
        nowruz = dt.date(2026, 3, 22)
        assert not is_working_day(calendar_for_unit(org_units["other"]), nowruz)


class TestConfirmation:
    def test_unconfirmed_day_counts_once_confirmed(self) -> None:
        doubtful = Holiday.objects.get(date=dt.date(2026, 4, 14))
        assert is_working_day(calendar_for_unit(None), doubtful.date)
        services.confirm_holiday(doubtful, actor=None)
        assert not is_working_day(calendar_for_unit(None), doubtful.date)
        # R-40 vector with the calendar in the database: due Sunday 1405/01/30.
        assert add_working_days(calendar_for_unit(None), tehran(2026, 4, 13, 9), 3).astimezone(
            TEHRAN
        ) == tehran(2026, 4, 19, 14, 30)

    def test_setting_counts_unconfirmed_days(self, settings) -> None:  # type: ignore[no-untyped-def]
        settings.KHEDMAT_CALENDAR_COUNT_UNCONFIRMED = True
        assert not is_working_day(calendar_for_unit(None), dt.date(2026, 4, 14))


class TestCountries:
    def test_saudi_pack_without_rows_then_installed(self) -> None:
        riyadh = calendar_for_scope(country="SA")
        assert riyadh.time_zone == "Asia/Riyadh"
        assert not is_working_day(riyadh, dt.date(2026, 6, 5))  # Friday
        assert not is_working_day(riyadh, dt.date(2026, 6, 6))  # Saturday
        scope = services.install_country_pack("SA", actor=None, valid_from=dt.date(2026, 1, 1))
        assert scope.time_zone == "Asia/Riyadh"
        assert not is_working_day(calendar_for_scope(country="SA"), dt.date(2026, 6, 5))
        assert is_working_day(calendar_for_scope(country="SA"), dt.date(2026, 6, 4))  # Thursday

    def test_unit_placed_in_the_emirates(self, org_units) -> None:  # type: ignore[no-untyped-def]
        emirates = services.install_country_pack("AE", actor=None, valid_from=dt.date(2026, 1, 1))
        services.place_org_unit(org_units["other"], location=emirates, actor=None)
        calendar = calendar_for_unit(org_units["other"])
        assert calendar.time_zone == "Asia/Dubai"
        assert not is_working_day(calendar, dt.date(2026, 6, 6))  # Saturday
        assert not is_working_day(calendar, dt.date(2026, 6, 7))  # Sunday
        assert is_working_day(calendar, dt.date(2026, 6, 5))  # Friday, half a day
        assert is_working_day(calendar, dt.date(2026, 3, 23))  # Monday: Nowruz is not theirs

    def test_default_country_setting(self, settings) -> None:  # type: ignore[no-untyped-def]
        settings.KHEDMAT_CALENDAR_COUNTRY = "IQ"
        calendar = calendar_for_unit(None)
        assert calendar.time_zone == "Asia/Baghdad"
        assert not is_working_day(calendar, dt.date(2026, 6, 6))  # Saturday

    def test_scope_time_zone_overrides_the_pack(self, scopes) -> None:  # type: ignore[no-untyped-def]
        city = CalendarScope.objects.create(
            kind=ScopeKind.CITY,
            code="ir-tehran-test",
            name_fa="شهر",
            parent=scopes["tehran"],
            time_zone="Asia/Dubai",
        )
        calendar = calendar_for_scope(city=city.code)
        assert calendar.time_zone == "Asia/Dubai"
        assert "province:ir-tehran" in calendar.key


class TestCache:
    def test_compiled_once_and_recompiled_after_a_change(
        self, offices, scopes, django_assert_max_num_queries
    ) -> None:  # type: ignore[no-untyped-def]
        first = calendar_for_unit(offices["tehran"])
        with django_assert_max_num_queries(4):
            again = calendar_for_unit(offices["tehran"])
        assert again is first
        number = revision_number()
        Holiday.objects.create(
            date=SUNDAY,
            name_fa="ردیف مستقیم",
            kind=HolidayKind.SPECIAL_CLOSURE,
            scope=scopes["tehran"],
        )
        assert revision_number() > number  # writes that bypass the services still expire caches
        fresh = calendar_for_unit(offices["tehran"].pk)
        assert fresh is not first
        assert not is_working_day(fresh, SUNDAY)

    def test_units_sharing_scopes_share_one_calendar(self, offices, org_units) -> None:  # type: ignore[no-untyped-def]
        assert calendar_for_unit(org_units["office"]) is calendar_for_unit(org_units["directorate"])
        assert calendar_for_unit(None) is calendar_for_unit(offices["unplaced"])

    def test_worktime_wrapper_reads_the_same_calendar(self, offices) -> None:  # type: ignore[no-untyped-def]
        assert worktime_calendar_for_unit(offices["tehran"]) is calendar_for_unit(offices["tehran"])

    def test_many_units_at_once(self, offices, org_units, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
        units = [*offices.values(), org_units["ministry"]]
        single = {unit.pk: calendar_for_unit(unit) for unit in units}
        with django_assert_max_num_queries(4):
            many = calendars_for_units([*units, units[0].pk])
        assert many == single
        assert calendars_for_units([]) == {}
