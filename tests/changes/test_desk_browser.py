"""In a real browser: the change manager opens the change calendar and a change, in Persian and
Arabic at a phone's 390 px and a desktop's 1280 px, right to left, without sideways scrolling;
screenshots for a person to look at."""

from __future__ import annotations

import datetime as dt
import importlib
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.utils import timezone
from hijridate import Gregorian
from persiantools.jdatetime import JalaliDate

from khedmat.accounts.models import User
from khedmat.changes import services
from khedmat.changes.choices import ChangeStatus
from khedmat.changes.models import Change, ChangeBoard, FreezeWindow
from khedmat.cmdb.models import ConfigurationItem
from tests.changes.conftest import MakeChange
from tests.fixtures.browser import make_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ready(db: None) -> None:
    """What a transactional test's flush drops: the change roles' permissions and the risk
    questionnaire."""
    editor = SimpleNamespace(connection=SimpleNamespace(alias=connection.alias))
    importlib.import_module("khedmat.changes.migrations.0003_roles_and_risk_questions").grant(
        apps, editor
    )


def signed_in(page: Any, live_server: Any, user: User, verified_login: Any) -> Any:
    client = verified_login(Client(), user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    return page


def moment(days: int, hour: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@pytest.fixture
def planned(
    ready: None,
    make_change: MakeChange,
    cab: ChangeBoard,
    members: list[User],
    cmdb: dict[str, ConfigurationItem],
) -> Change:
    """Two changes on the same database the same evening (a conflict), a freeze later on, and
    one change under assessment with a vote."""
    first = make_change(
        ChangeStatus.SCHEDULED,
        title="ارتقای پایگاه داده",
        items=[cmdb["db"]],
        start=moment(3, 20),
        end=moment(3, 23),
    )
    make_change(
        ChangeStatus.AUTHORISED,
        title="وصله امنیتی درگاه",
        items=[cmdb["app"]],
        start=moment(3, 21),
        end=moment(3, 22),
    )
    FreezeWindow.objects.create(
        name_fa="توقف تغییرات پایان سال",
        name_ar="تجميد التغييرات",
        name_en="Year-end freeze",
        starts_at=moment(6, 0),
        ends_at=moment(9, 0),
    )
    voted = make_change(ChangeStatus.ASSESSMENT, title="جابجایی سرور گزارش", items=[cmdb["db"]])
    services.vote_on_change(voted, voter=members[0], vote="reject", note="زمان مناسب نیست.")
    return first


@pytest.mark.parametrize("language", ["fa", "ar"])
def test_calendar_and_change_at_phone_and_desktop_widths(
    browser: Any,
    live_server: Any,
    outside_requests: list[str],
    planned: Change,
    change_manager: User,
    verified_login: Any,
    language: str,
) -> None:
    day = timezone.localtime(planned.planned_start).date()
    local = JalaliDate(day) if language == "fa" else Gregorian.fromdate(day).to_hijri()
    month = f"{local.year:04d}-{local.month:02d}"
    voted = Change.objects.get(status=ChangeStatus.ASSESSMENT)
    pages = (
        ("calendar", f"/desk/changes/calendar/?month={month}"),
        ("change", f"/desk/changes/{planned.tracking_code}/"),
        ("voted", f"/desk/changes/{voted.tracking_code}/"),
        ("list", "/desk/changes/?tab=all"),
        ("new", "/desk/changes/new/"),
    )
    for width in (390, 1280):
        page = make_page(browser, outside_requests, language=language, width=width)
        signed_in(page, live_server, change_manager, verified_login)
        for name, path in pages:
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, name
            assert page.locator("html").get_attribute("dir") == "rtl"
            assert page.evaluate("document.documentElement.scrollWidth") <= width, name
            screenshot(page, f"changes-desk-{name}-{language}-{width}")
        page.goto(f"{live_server.url}/desk/changes/calendar/?month={month}")
        listed = page.locator(f'[data-testid="calendar-list"] li[data-date="{day.isoformat()}"]')
        assert listed.count() == 1
        assert planned.title in listed.inner_text()
        if width == 1280:
            grid_day = page.locator(f'[data-testid="calendar-grid"] td[data-date="{day}"]')
            assert grid_day.locator(f'[data-conflict="{planned.tracking_code}"]').count() == 1
        page.context.close()
    assert outside_requests == []
