"""The calendar admin: announcing a closure, the holiday list, edits through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from khedmat.accounts.models import User
from khedmat.calendars import services
from khedmat.calendars.models import Holiday, WorkWeek
from khedmat.core.models import Activity

pytestmark = pytest.mark.django_db

ANNOUNCE = "/admin/calendars/holiday/announce/"


@pytest.fixture
def admin_client(client: Client, administrator: User, verified_login) -> Client:  # type: ignore[no-untyped-def]
    return verified_login(client, administrator)


def closure_data(scope_pk: int, **extra: str) -> dict[str, str]:
    data = {
        "date": "۱۴۰۵/۰۴/۱۰",  # Jalali in Persian digits: 1 July 2026
        "end_date": "",
        "scope": str(scope_pk),
        "kind": "administrative_closure",
        "name_fa": "تعطیلی ادارات استان تهران",
        "name_ar": "",
        "name_en": "Tehran offices closed",
        "starts_at": "",
        "ends_at": "",
        "source": "Governor of Tehran",
        "notify_applicants": "on",
    }
    data.update(extra)
    return data


class TestAnnounceClosure:
    def test_form_then_confirmation_then_closure(
        self, admin_client: Client, administrator: User, org_units, scopes, changes
    ) -> None:  # type: ignore[no-untyped-def]
        services.place_org_unit(org_units["directorate"], location=scopes["tehran"], actor=None)
        changes.clear()
        assert admin_client.get(ANNOUNCE).status_code == 200

        check = admin_client.post(ANNOUNCE, closure_data(scopes["tehran"].pk))
        assert check.status_code == 200
        assert check.context["confirming"] is True
        assert check.context["affected_units"] == 2  # the directorate and its office
        assert check.context["day_count"] == 1
        assert not Holiday.objects.filter(date=dt.date(2026, 7, 1)).exists()
        assert changes == []

        done = admin_client.post(ANNOUNCE, closure_data(scopes["tehran"].pk, confirmed="on"))
        holiday = Holiday.objects.get(date=dt.date(2026, 7, 1))
        assert done.status_code == 302
        assert done["Location"] == f"/admin/calendars/holiday/{holiday.pk}/change/"
        assert (holiday.scope, holiday.kind, holiday.end_date, holiday.source) == (
            scopes["tehran"],
            "administrative_closure",
            dt.date(2026, 7, 1),
            "Governor of Tehran",
        )
        activity = Activity.objects.for_target(holiday).get()
        assert (activity.verb, activity.actor) == ("holiday.closure_announced", administrator)
        assert [(change.scope, change.notify_applicants) for change in changes] == [
            (scopes["tehran"], True)
        ]

    def test_confirmation_page_reposts_every_field(self, admin_client: Client, scopes) -> None:  # type: ignore[no-untyped-def]
        check = admin_client.post(
            ANNOUNCE, closure_data(scopes["iran"].pk, end_date="2026-07-02", starts_at="10:00")
        )
        html = check.content.decode()
        for name, value in [
            ("date", "۱۴۰۵/۰۴/۱۰"),
            ("end_date", "2026-07-02"),
            ("starts_at", "10:00"),
            ("notify_applicants", "True"),
        ]:
            assert f'name="{name}" value="{value}"' in html
        assert check.context["day_count"] == 2

    def test_invalid_range_is_shown_again(self, admin_client: Client, scopes) -> None:  # type: ignore[no-untyped-def]
        response = admin_client.post(
            ANNOUNCE, closure_data(scopes["iran"].pk, end_date="2026-06-01", confirmed="on")
        )
        assert response.status_code == 200
        assert "end_date" in response.context["form"].errors
        assert not Holiday.objects.filter(date=dt.date(2026, 7, 1)).exists()

    def test_staff_without_permission_is_refused_and_nothing_happens(
        self, client: Client, agent: User, verified_login, scopes, changes
    ) -> None:  # type: ignore[no-untyped-def]
        verified_login(client, agent)
        count = Holiday.objects.count()
        response = client.post(ANNOUNCE, closure_data(scopes["iran"].pk, confirmed="on"))
        assert response.status_code == 403
        assert Holiday.objects.count() == count
        assert changes == []

    def test_anonymous_is_sent_to_login(self, client: Client, scopes) -> None:  # type: ignore[no-untyped-def]
        response = client.post(ANNOUNCE, closure_data(scopes["iran"].pk, confirmed="on"))
        assert response.status_code == 302
        assert not Holiday.objects.filter(date=dt.date(2026, 7, 1)).exists()


class TestHolidayList:
    def test_jalali_year_filter_and_dates(self, admin_client: Client) -> None:
        response = admin_client.get("/admin/calendars/holiday/?jalali_year=1405")
        assert response.status_code == 200
        rows = list(response.context["cl"].queryset)
        assert len(rows) == 26
        html = response.content.decode()
        assert (
            '<bdi dir="rtl">25 فروردین 1405</bdi><br><small><bdi dir="ltr">2026-04-14</bdi>' in html
        )
        assert 'href="/admin/calendars/holiday/announce/"' in html

    def test_confirm_action(self, admin_client: Client, changes) -> None:  # type: ignore[no-untyped-def]
        doubtful = Holiday.objects.get(date=dt.date(2026, 4, 14))
        response = admin_client.post(
            "/admin/calendars/holiday/",
            {"action": "confirm_selected", "_selected_action": [str(doubtful.pk)]},
        )
        assert response.status_code == 302
        doubtful.refresh_from_db()
        assert doubtful.confirmed is True
        assert [change.reason for change in changes] == ["holiday_confirmed"]

    def test_editing_a_holiday_tells_listeners_about_both_dates(
        self, admin_client: Client, changes
    ) -> None:  # type: ignore[no-untyped-def]
        holiday = Holiday.objects.get(date=dt.date(2026, 4, 14))
        response = admin_client.post(
            f"/admin/calendars/holiday/{holiday.pk}/change/",
            {
                "date": "2026-04-15",
                "end_date": "2026-04-15",
                "scope": str(holiday.scope_id),
                "kind": holiday.kind,
                "basis": holiday.basis,
                "confirmed": "on",
                "name_fa": holiday.name_fa,
                "name_ar": holiday.name_ar,
                "name_en": holiday.name_en,
                "starts_at": "",
                "ends_at": "",
                "source": holiday.source,
                "note": holiday.note,
            },
        )
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert [(change.start, change.end) for change in changes] == [
            (dt.date(2026, 4, 14), dt.date(2026, 4, 15))
        ]
        assert list(Activity.objects.for_target(holiday).values_list("verb", flat=True)) == [
            "holiday.changed"
        ]


class TestWorkWeekAdmin:
    def test_add_a_week_with_hours(self, admin_client: Client, scopes, changes) -> None:  # type: ignore[no-untyped-def]
        data = {
            "scope": str(scopes["tehran"].pk),
            "name": "Tehran: Thursday half day",
            "valid_from": "2026-06-01",
            "valid_until": "",
            "hours-TOTAL_FORMS": "2",
            "hours-INITIAL_FORMS": "0",
            "hours-0-weekday": "3",
            "hours-0-starts_at": "07:30",
            "hours-0-ends_at": "12:30",
            "hours-1-weekday": "5",
            "hours-1-starts_at": "07:30",
            "hours-1-ends_at": "14:30",
        }
        response = admin_client.post("/admin/calendars/workweek/add/", data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        week = WorkWeek.objects.get(name="Tehran: Thursday half day")
        assert week.hours.count() == 2
        assert [(change.scope, change.start) for change in changes] == [
            (scopes["tehran"], dt.date(2026, 6, 1))
        ]
        listing = admin_client.get("/admin/calendars/workweek/")
        assert listing.status_code == 200

    def test_other_lists_render(self, admin_client: Client) -> None:
        for model in ("calendarscope", "unitplacement", "hoursoverride"):
            assert admin_client.get(f"/admin/calendars/{model}/").status_code == 200
        assert admin_client.get("/admin/calendars/hoursoverride/add/").status_code == 200
