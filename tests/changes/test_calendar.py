"""The change calendar: Jalali months in Persian (Esfand 1404 into Farvardin 1405), Hijri months
with Gregorian days in Arabic, changes and freezes on the days they cover, conflicts flagged, a
constant number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from persiantools.jdatetime import JalaliDate

from khedmat.accounts.models import User
from khedmat.changes import calendar as grid
from khedmat.changes.choices import ChangeStatus
from khedmat.changes.models import Change, FreezeWindow
from khedmat.cmdb.models import ConfigurationItem
from tests.changes.conftest import MakeChange

pytestmark = pytest.mark.django_db

Login = Callable[[Client, User], Client]
CALENDAR = reverse("changes:calendar")


def at(jalali: tuple[int, int, int], hour: int) -> dt.datetime:
    day = JalaliDate(*jalali).to_gregorian()
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def iso(jalali: tuple[int, int, int]) -> str:
    return JalaliDate(*jalali).to_gregorian().isoformat()


def cell(weeks: list[list[grid.Day]], jalali: tuple[int, int, int]) -> grid.Day:
    day = JalaliDate(*jalali).to_gregorian()
    return next(d for week in weeks for d in week if d.date == day)


def test_jalali_month_bounds_and_weeks_from_saturday() -> None:
    esfand = grid.month_for("1404-12", "fa", dt.date(2026, 1, 1))
    assert (esfand.calendar, esfand.year, esfand.number) == ("jalali", 1404, 12)
    assert esfand.first == JalaliDate(1404, 12, 1).to_gregorian()
    assert esfand.last == JalaliDate(1405, 1, 1).to_gregorian() - dt.timedelta(days=1)
    assert esfand.next.key == "1405-01"
    assert esfand.previous.key == "1404-11"
    assert grid.month_for("1405-01", "fa", dt.date(2026, 1, 1)).previous.key == "1404-12"
    weeks = grid.month_weeks(esfand, [], [])
    assert all(len(week) == 7 for week in weeks)
    assert all(week[0].date.weekday() == grid.SATURDAY for week in weeks)
    own = [day for week in weeks for day in week if day.in_month]
    assert [day.number for day in own] == list(range(1, len(own) + 1))
    assert own[0].date == esfand.first and own[-1].date == esfand.last


def test_a_damaged_month_shows_this_month() -> None:
    today = dt.date(2026, 4, 15)  # 26 Farvardin 1405
    assert grid.month_for("1405-13", "fa", today).key == "1405-01"
    assert grid.month_for("nonsense", "fa", today).key == "1405-01"
    assert grid.month_for(None, "ar", today).key == "1447-10"  # Shawwal 1447


def test_esfand_shows_a_change_and_a_freeze_on_their_days(
    client: Client,
    verified_login: Login,
    requester: User,
    make_change: MakeChange,
) -> None:
    freeze = FreezeWindow.objects.create(
        name_fa="تعطیلات نوروز",
        name_en="Nowruz",
        starts_at=at((1404, 12, 28), 0),
        ends_at=at((1405, 1, 3), 0),
    )
    change = make_change(title="Renew the certificate")
    Change.objects.filter(pk=change.pk).update(
        status=ChangeStatus.SCHEDULED,
        planned_start=at((1404, 12, 20), 22),
        planned_end=at((1404, 12, 21), 2),
    )
    verified_login(client, requester)
    response = client.get(CALENDAR, {"month": "1404-12"}, HTTP_ACCEPT_LANGUAGE="fa")
    assert response.status_code == 200
    weeks = response.context["weeks"]
    assert [c.tracking_code for c in cell(weeks, (1404, 12, 20)).changes] == [change.tracking_code]
    assert [c.tracking_code for c in cell(weeks, (1404, 12, 21)).changes] == [change.tracking_code]
    assert cell(weeks, (1404, 12, 19)).changes == []
    assert cell(weeks, (1404, 12, 22)).changes == []
    assert cell(weeks, (1404, 12, 27)).freezes == []
    assert cell(weeks, (1404, 12, 28)).freezes == [freeze]
    last = response.context["month"].last
    assert next(d for w in weeks for d in w if d.date == last).freezes == [freeze]
    html = response.content.decode()
    assert "اسفند" in html
    assert f'data-date="{iso((1404, 12, 28))}"' in html
    assert "تعطیلات نوروز" in html
    # the next month carries the rest of the freeze and not the change
    response = client.get(CALENDAR, {"month": "1405-01"}, HTTP_ACCEPT_LANGUAGE="fa")
    weeks = response.context["weeks"]
    assert cell(weeks, (1405, 1, 2)).freezes == [freeze]
    assert cell(weeks, (1405, 1, 3)).freezes == []
    assert response.context["days"][0].date == JalaliDate(1405, 1, 1).to_gregorian()
    assert all(not day.changes for day in response.context["days"])


def test_arabic_month_is_hijri_with_gregorian_days(
    client: Client, verified_login: Login, requester: User
) -> None:
    verified_login(client, requester)
    # Ramadan 1447 ran from 18 February to 19 March 2026 (Umm al-Qura).
    response = client.get(CALENDAR, {"month": "1447-09"}, HTTP_ACCEPT_LANGUAGE="ar")
    month = response.context["month"]
    assert (month.calendar, month.first, month.last) == (
        "hijri",
        dt.date(2026, 2, 18),
        dt.date(2026, 3, 19),
    )
    assert month.next.key == "1447-10" and month.previous.key == "1447-08"
    assert "رمضان" in response.context["month_name"]
    assert "فبراير" in response.context["month_name"]  # the Gregorian months it spans
    own = [d for week in response.context["weeks"] for d in week if d.in_month]
    assert [d.number for d in own] == list(range(1, 31))
    assert own[0].date == dt.date(2026, 2, 18)
    assert "فبراير" in own[0].other and "18" in own[0].other
    page = response.content.decode()
    assert 'data-testid="other-day"' in page


def test_a_hijri_year_out_of_the_table_shows_this_month() -> None:
    today = dt.date(2026, 12, 4)  # 24 Jumada al-Akhirah 1448
    assert grid.month_for("2026-03", "ar", today).key == "1448-06"
    assert grid.month_for("1448-13", "ar", today).key == "1448-06"
    assert grid.month_for("1447-12", "ar", today).next.key == "1448-01"
    assert grid.month_for(None, "en", today).key == "2026-12"


def test_conflicts_are_flagged_and_queries_constant(
    client: Client,
    verified_login: Login,
    requester: User,
    make_change: MakeChange,
    cmdb: dict[str, ConfigurationItem],
) -> None:
    verified_login(client, requester)

    def planned(title: str) -> Change:
        change = make_change(title=title, items=[cmdb["db"]])
        Change.objects.filter(pk=change.pk).update(
            status=ChangeStatus.SCHEDULED,
            planned_start=at((1404, 12, 10), 20),
            planned_end=at((1404, 12, 10), 23),
        )
        return change

    first, second = planned("First"), planned("Second")
    client.get(CALENDAR, {"month": "1404-12"}, HTTP_ACCEPT_LANGUAGE="fa")  # warms the CI graph
    with CaptureQueriesContext(connection) as one:
        response = client.get(CALENDAR, {"month": "1404-12"}, HTTP_ACCEPT_LANGUAGE="fa")
    assert response.context["conflicted"] == {first.pk, second.pk}
    others = [planned(f"Other {index}") for index in range(4)]
    with CaptureQueriesContext(connection) as many:
        response = client.get(CALENDAR, {"month": "1404-12"}, HTTP_ACCEPT_LANGUAGE="fa")
    assert [q["sql"][:60] for q in many.captured_queries] == [
        q["sql"][:60] for q in one.captured_queries
    ]
    assert response.context["conflicted"] == {first.pk, second.pk, *(o.pk for o in others)}
    assert f'data-conflict="{first.tracking_code}"' in response.content.decode()


def test_calendar_is_one_query_per_kind(
    client: Client, verified_login: Login, requester: User, django_assert_max_num_queries: Any
) -> None:
    verified_login(client, requester)
    with django_assert_max_num_queries(12):
        assert client.get(CALENDAR).status_code == 200
