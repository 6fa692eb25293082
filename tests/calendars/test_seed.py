"""The seed migration: Iran's scopes, work week, the holidays of 1404 and 1405 as in §7.3."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from persiantools.jdatetime import JalaliDate

from khedmat.calendars.choices import IRAN_PROVINCES, HolidayKind
from khedmat.calendars.models import CalendarScope, Holiday, HoursOverride, WorkWeek
from tests.calendars.helpers import seed_module

pytestmark = pytest.mark.django_db

YEAR_1404 = (dt.date(2025, 3, 21), dt.date(2026, 3, 20))
YEAR_1405 = (dt.date(2026, 3, 21), dt.date(2027, 3, 20))


def official(year: tuple[dt.date, dt.date]):  # type: ignore[no-untyped-def]
    return (
        Holiday.objects.filter(kind=HolidayKind.OFFICIAL_HOLIDAY).in_range(*year).order_by("date")
    )


def test_1404_has_the_26_official_holidays_of_the_table() -> None:
    rows = list(official(YEAR_1404))
    assert len(rows) == 26
    assert [row.date for row in rows] == [
        dt.date.fromisoformat(entry[1]) for entry in seed_module().HOLIDAYS_1404
    ]
    assert sum(row.date.weekday() == 4 for row in rows) == 4  # "4 on Fridays"
    assert all(row.confirmed and row.scope.code == "IR" for row in rows)


def test_1405_has_26_rows_and_the_doubtful_day_is_unconfirmed() -> None:
    rows = list(official(YEAR_1405))
    assert len(rows) == 26
    doubtful = [row for row in rows if not row.confirmed]
    assert [row.date for row in doubtful] == [dt.date(2026, 4, 14)]
    assert doubtful[0].name_en == "Martyrdom of Imam Sadiq"
    assert "verify" in doubtful[0].note
    confirmed = [row for row in rows if row.confirmed]
    # ILNA: 25 days, 6 on Thursdays, 3 on Fridays.
    assert len(confirmed) == 25
    assert sum(row.date.weekday() == 3 for row in confirmed) == 6
    assert sum(row.date.weekday() == 4 for row in confirmed) == 3


def test_jalali_and_gregorian_columns_agree() -> None:
    seed = seed_module()
    for jalali, gregorian, *_rest in seed.HOLIDAYS_1404 + seed.HOLIDAYS_1405:
        year, month, day = (int(part) for part in jalali.split("/"))
        assert JalaliDate(year, month, day).to_gregorian().isoformat() == gregorian


def test_every_row_has_three_names_and_a_basis() -> None:
    rows = official((YEAR_1404[0], YEAR_1405[1]))
    assert rows.count() == 52
    for row in rows:
        assert row.name_fa and row.name_ar and row.name_en, row
        assert row.basis in {"solar", "lunar", "solar_lunar"}
    nowruz_and_fitr = Holiday.objects.get(date=dt.date(2026, 3, 21))
    assert nowruz_and_fitr.name_en == "Nowruz; Eid al-Fitr"
    assert nowruz_and_fitr.basis == "solar_lunar"


def test_special_closures_of_1404() -> None:
    mourning = Holiday.objects.get(kind=HolidayKind.SPECIAL_CLOSURE)
    assert (mourning.date, mourning.end_date, mourning.scope.code) == (
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 7),
        "IR",
    )
    assert mourning.day_count == 7
    heat = Holiday.objects.get(kind=HolidayKind.ADMINISTRATIVE_CLOSURE)
    assert (heat.date, heat.scope.kind, heat.scope.code) == (
        dt.date(2025, 7, 23),
        "province",
        "ir-tehran",
    )
    assert JalaliDate(heat.date) == JalaliDate(1404, 5, 1)


def test_scopes_week_and_override() -> None:
    iran = CalendarScope.objects.get(kind="national", code="IR")
    assert iran.time_zone == "Asia/Tehran"
    provinces = CalendarScope.objects.filter(kind="province", parent=iran)
    assert sorted(provinces.values_list("code", flat=True)) == sorted(
        code for code, _fa, _en in IRAN_PROVINCES
    )
    week = WorkWeek.objects.get(scope=iran)
    assert sorted(week.hours.values_list("weekday", flat=True)) == [0, 1, 2, 5, 6]
    assert set(week.hours.values_list("starts_at", "ends_at")) == {
        (dt.time(7, 30), dt.time(14, 30))
    }
    dey = HoursOverride.objects.get(scope=iran)
    assert (dey.start_date, dey.end_date) == (
        JalaliDate(1404, 10, 1).to_gregorian(),
        JalaliDate(1404, 12, 29).to_gregorian(),
    )


def test_administrators_may_edit_calendars_and_supervisors_read_them() -> None:
    admin = set(Group.objects.get(name="admin").permissions.values_list("codename", flat=True))
    assert {"add_holiday", "change_holiday", "delete_workweek", "add_unitplacement"} <= admin
    supervisor = set(
        Group.objects.get(name="supervisor")
        .permissions.filter(content_type__app_label="calendars")
        .values_list("codename", flat=True)
    )
    assert supervisor == {
        f"view_{model}"
        for model in (
            "calendarscope",
            "unitplacement",
            "workweek",
            "workinghours",
            "hoursoverride",
            "holiday",
        )
    }
