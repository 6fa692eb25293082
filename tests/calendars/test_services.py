"""Calendar use cases: Activity rows, the revision, and what listeners are told."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from khedmat.accounts.models import User
from khedmat.calendars import services
from khedmat.calendars.choices import HolidayKind, OverrideMode, ScopeKind
from khedmat.calendars.listeners import (
    CalendarChange,
    calendar_change_listener_names,
    on_calendar_change,
    remove_calendar_change_listener,
)
from khedmat.calendars.models import CalendarScope, Holiday, WorkWeek
from khedmat.calendars.queries import calendar_for_unit, revision_number
from khedmat.calendars.worktime import is_working_day
from khedmat.core.models import Activity

pytestmark = pytest.mark.django_db

TOMORROW = dt.date(2026, 7, 1)


def verbs(target) -> list[str]:  # type: ignore[no-untyped-def]
    return list(Activity.objects.for_target(target).values_list("verb", flat=True))


class TestAnnounceClosure:
    def test_writes_the_row_activity_revision_and_tells_listeners(
        self, administrator: User, scopes, changes: list[CalendarChange]
    ) -> None:  # type: ignore[no-untyped-def]
        number = revision_number()
        holiday = services.announce_closure(
            date=TOMORROW,
            end_date=TOMORROW + dt.timedelta(days=1),
            scope=scopes["tehran"],
            name_fa="تعطیلی ادارات استان تهران",
            name_en="Tehran offices closed",
            kind=HolidayKind.ADMINISTRATIVE_CLOSURE,
            source="Governor of Tehran",
            notify_applicants=True,
            actor=administrator,
        )
        holiday.refresh_from_db()
        assert (holiday.date, holiday.end_date, holiday.confirmed) == (
            TOMORROW,
            dt.date(2026, 7, 2),
            True,
        )
        activity = Activity.objects.for_target(holiday).get()
        assert (activity.verb, activity.actor) == ("holiday.closure_announced", administrator)
        assert activity.data == {"notify_applicants": True, "scope": "province:ir-tehran"}
        assert activity.new_value is not None
        assert activity.new_value["date"] == "2026-07-01"
        assert revision_number() > number
        assert len(changes) == 1
        change = changes[0]
        assert (change.scope, change.start, change.end) == (
            scopes["tehran"],
            TOMORROW,
            dt.date(2026, 7, 2),
        )
        assert (change.notify_applicants, change.actor, change.holiday_id, change.reason) == (
            True,
            administrator,
            holiday.pk,
            "closure_announced",
        )
        assert change.overlaps(dt.date(2026, 7, 2), dt.date(2026, 7, 9))
        assert not change.overlaps(dt.date(2026, 7, 3), dt.date(2026, 7, 9))

    def test_invalid_range_writes_nothing(self, scopes, changes) -> None:  # type: ignore[no-untyped-def]
        count, activities, number = (
            Holiday.objects.count(),
            Activity.objects.count(),
            revision_number(),
        )
        with pytest.raises(ValidationError):
            services.announce_closure(
                date=TOMORROW,
                end_date=TOMORROW - dt.timedelta(days=1),
                scope=scopes["iran"],
                name_fa="بد",
                actor=None,
            )
        assert (Holiday.objects.count(), Activity.objects.count(), revision_number()) == (
            count,
            activities,
            number,
        )
        assert changes == []

    def test_a_failing_listener_rolls_the_closure_back(self, scopes) -> None:  # type: ignore[no-untyped-def]
        def refuse(change: CalendarChange) -> None:
            raise RuntimeError("clock recomputation failed")

        on_calendar_change(refuse)
        try:
            with pytest.raises(RuntimeError):
                services.announce_closure(
                    date=TOMORROW, scope=scopes["iran"], name_fa="تعطیلی", actor=None
                )
        finally:
            remove_calendar_change_listener(refuse)
        assert not Holiday.objects.filter(date=TOMORROW).exists()
        assert is_working_day(calendar_for_unit(None), TOMORROW)

    def test_partial_day_closure(self, scopes) -> None:  # type: ignore[no-untyped-def]
        holiday = services.announce_closure(
            date=TOMORROW,
            scope=scopes["iran"],
            name_fa="تعطیلی از ساعت ۱۰",
            starts_at=dt.time(10),
            actor=None,
        )
        assert not holiday.is_all_day
        calendar = calendar_for_unit(None)
        assert is_working_day(calendar, TOMORROW)


class TestListeners:
    def test_registering_twice_is_harmless(self) -> None:
        def listener(change: CalendarChange) -> None:
            pass

        on_calendar_change(listener)
        on_calendar_change(listener)
        try:
            names = calendar_change_listener_names()
            assert (
                names.count(
                    f"{__name__}.TestListeners.test_registering_twice_is_harmless.<locals>.listener"
                )
                == 1
            )
        finally:
            remove_calendar_change_listener(listener)


class TestOtherServices:
    def test_confirm_holiday_once(self, administrator: User, changes) -> None:  # type: ignore[no-untyped-def]
        doubtful = Holiday.objects.get(date=dt.date(2026, 4, 14))
        services.confirm_holiday(doubtful, actor=administrator)
        services.confirm_holiday(doubtful, actor=administrator)
        doubtful.refresh_from_db()
        assert doubtful.confirmed is True
        assert verbs(doubtful) == ["holiday.confirmed"]
        assert [(change.start, change.reason) for change in changes] == [
            (dt.date(2026, 4, 14), "holiday_confirmed")
        ]

    def test_create_work_week_and_override(self, administrator: User, scopes, changes) -> None:  # type: ignore[no-untyped-def]
        week = services.create_work_week(
            scopes["tehran"],
            name="Tehran summer",
            valid_from=dt.date(2026, 6, 5),
            valid_until=dt.date(2026, 9, 6),
            hours={5: [(dt.time(6), dt.time(13))], 6: [(dt.time(6), dt.time(13))]},
            actor=administrator,
        )
        assert week.hours.count() == 2
        assert verbs(week) == ["workweek.created"]
        override = services.create_hours_override(
            scopes["iran"],
            name="Qadr night",
            start_date=dt.date(2027, 3, 9),
            end_date=dt.date(2027, 3, 9),
            mode=OverrideMode.SHIFT,
            late_start_minutes=120,
            actor=administrator,
        )
        assert verbs(override) == ["hoursoverride.created"]
        assert [(change.scope, change.start, change.end) for change in changes] == [
            (scopes["tehran"], dt.date(2026, 6, 5), dt.date(2026, 9, 6)),
            (scopes["iran"], dt.date(2027, 3, 9), dt.date(2027, 3, 9)),
        ]

    def test_override_needs_its_hours(self, scopes) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(ValidationError):
            services.create_hours_override(
                scopes["iran"],
                name="empty",
                start_date=dt.date(2026, 6, 1),
                end_date=dt.date(2026, 6, 2),
                mode=OverrideMode.LIMIT,
                actor=None,
            )

    def test_place_org_unit_tells_listeners_about_the_unit(
        self, org_units, scopes, changes
    ) -> None:  # type: ignore[no-untyped-def]
        placement = services.place_org_unit(
            org_units["office"], location=scopes["tehran"], actor=None
        )
        services.place_org_unit(org_units["office"], location=scopes["isfahan"], actor=None)
        placement.refresh_from_db()
        assert placement.location == scopes["isfahan"]
        assert verbs(placement) == ["unitplacement.changed", "unitplacement.created"]
        assert [(change.scope, change.org_unit_id) for change in changes] == [
            (None, org_units["office"].pk),
            (None, org_units["office"].pk),
        ]

    def test_placement_must_be_a_location(self, org_units) -> None:  # type: ignore[no-untyped-def]
        agency = CalendarScope.objects.create(kind=ScopeKind.AGENCY, code="a", name_fa="الف")
        with pytest.raises(ValidationError):
            services.place_org_unit(org_units["office"], location=agency, actor=None)

    def test_delete_entry(self, administrator: User, scopes, changes) -> None:  # type: ignore[no-untyped-def]
        holiday = services.announce_closure(
            date=TOMORROW, scope=scopes["iran"], name_fa="تعطیلی", actor=administrator
        )
        pk = holiday.pk
        services.delete_calendar_entry(holiday, actor=administrator)
        assert not Holiday.objects.filter(pk=pk).exists()
        assert list(
            Activity.objects.filter(target_id=str(pk), verb__startswith="holiday.")
            .order_by("id")
            .values_list("verb", flat=True)
        ) == ["holiday.closure_announced", "holiday.deleted"]
        assert [change.reason for change in changes] == ["closure_announced", "holiday.deleted"]

    def test_install_country_pack_is_idempotent(self) -> None:
        scope = services.install_country_pack("IQ", actor=None, valid_from=dt.date(2026, 1, 1))
        again = services.install_country_pack("IQ", actor=None)
        assert again == scope
        assert (scope.kind, scope.code, scope.time_zone) == ("national", "IQ", "Asia/Baghdad")
        week = WorkWeek.objects.get(scope=scope)
        assert sorted(week.hours.values_list("weekday", flat=True)) == [0, 1, 2, 3, 6]

    def test_scope_rules(self, scopes) -> None:  # type: ignore[no-untyped-def]
        city = CalendarScope(kind=ScopeKind.CITY, code="x", name_fa="x", parent=scopes["iran"])
        with pytest.raises(ValidationError) as error:
            city.full_clean()
        assert [item.code for item in error.value.error_dict["parent"]] == ["parent_kind"]
        zone = CalendarScope(kind=ScopeKind.NATIONAL, code="YY", name_fa="y", time_zone="Mars/Base")
        with pytest.raises(ValidationError) as error:
            zone.full_clean()
        assert [item.code for item in error.value.error_dict["time_zone"]] == ["unknown_time_zone"]
        assert scopes["tehran"].country_code() == "IR"
