"""In a real browser, in Persian: an agent requests a change on a database through the form and
its page shows the service and the open incident it touches; the advisory board authorises it by
majority; scheduled, it shows as a conflict on the change calendar beside a change on an
application that runs on that database; a normal change placed in the Nowruz 1406 freeze (derived
from the national calendar) is refused at submission, the same change as an emergency goes to
the emergency board."""

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
from persiantools.jdatetime import JalaliDate
from playwright.sync_api import expect

from khedmat.accounts.models import User
from khedmat.calendars.models import CalendarScope, Holiday
from khedmat.catalog.models import Service
from khedmat.changes.choices import ChangeStatus
from khedmat.changes.freeze import derive_freeze_windows
from khedmat.changes.models import Change, ChangeBoard
from khedmat.cmdb.models import CiRelation, CiType, ConfigurationItem
from khedmat.itsm.models import Incident
from tests.changes.conftest import LOW_RISK, MakeChange
from tests.fixtures.browser import make_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOWRUZ_1406 = [
    dt.date(2027, 3, 21),
    dt.date(2027, 3, 22),
    dt.date(2027, 3, 23),
    dt.date(2027, 3, 24),
]


def _migration(name: str) -> Any:
    return importlib.import_module(name)


@pytest.fixture
def ready(db: None) -> None:
    """What a transactional test's flush drops: the roles' permissions of changes and ITSM, the
    risk questionnaire, Iran's calendar; then Nowruz 1406 as the calendar office would add it."""
    editor = SimpleNamespace(connection=SimpleNamespace(alias=connection.alias))
    _migration("khedmat.changes.migrations.0003_roles_and_risk_questions").grant(apps, editor)
    _migration("khedmat.itsm.migrations.0002_roles_matrix_categories").grant(apps, editor)
    if not CalendarScope.objects.filter(kind="national", code="IR").exists():
        _migration("khedmat.calendars.migrations.0002_seed_iran").seed(apps, editor)
    scope = CalendarScope.objects.get(kind="national", code="IR")
    for day in NOWRUZ_1406:
        Holiday.objects.create(
            date=day, name_fa="عید نوروز", name_en="Nowruz", kind="official_holiday", scope=scope
        )
    derive_freeze_windows(1406)


def signed_in(page: Any, live_server: Any, user: User, verified_login: Any) -> Any:
    client = verified_login(Client(), user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    return page


def jalali(day: dt.date) -> str:
    return JalaliDate(day).strftime("%Y/%m/%d")


def fill_change(page: Any, *, title: str, kind: str, item: ConfigurationItem, day: dt.date) -> None:
    page.select_option("select[name=kind]", kind)
    page.fill("input[name=title]", title)
    page.select_option("select[name=items]", str(item.pk))
    page.fill("textarea[name=implementation_plan]", "پشتیبان‌گیری، ارتقا، آزمون.")
    page.fill("textarea[name=backout_plan]", "بازگرداندن از پشتیبان.")
    for name, value in (("start_date", jalali(day)), ("end_date", jalali(day))):
        page.fill(f"input[name={name}]", value)
    page.fill("input[name=start_time]", "20:00")
    page.fill("input[name=end_time]", "22:00")
    for code, value in LOW_RISK.items():
        page.check(f"input[name=risk_{code}][value={value}]")
    page.get_by_test_id("save-change").click()
    page.wait_for_load_state("load")


def act(page: Any, action: str) -> None:
    page.locator(f"#action-{action} button[type=submit]").click()
    page.wait_for_load_state("load")


def test_a_change_through_the_board_the_calendar_and_the_nowruz_freeze(
    browser: Any,
    live_server: Any,
    outside_requests: list[str],
    ready: None,
    requester: User,
    members: list[User],
    cab: ChangeBoard,
    ecab: ChangeBoard,
    cmdb: dict[str, ConfigurationItem],
    service: Service,
    make_change: MakeChange,
    verified_login: Any,
) -> None:
    service_type = CiType.objects.create(code="test-service", name_fa="خدمت", is_service=True)
    portal = ConfigurationItem.objects.create(
        code="svc-portal", name="درگاه", ci_type=service_type, service=service
    )
    CiRelation.objects.create(source=portal, target=cmdb["app"], kind="depends_on")
    incident = Incident.objects.create(
        tracking_code="5550001112", title="کندی پایگاه داده", ci=cmdb["db"], reported_by=requester
    )
    day = timezone.localdate() + dt.timedelta(days=10)
    page = make_page(browser, outside_requests, language="fa")
    signed_in(page, live_server, requester, verified_login)

    # the request, on the database: its page shows the service and the open incident
    page.goto(f"{live_server.url}/desk/changes/new/")
    fill_change(page, title="ارتقای پایگاه داده", kind="normal", item=cmdb["db"], day=day)
    change = Change.objects.get(title="ارتقای پایگاه داده")
    assert page.url.endswith(f"/desk/changes/{change.tracking_code}/")
    assert service.current_version is not None
    services = page.get_by_test_id("impacted-services")
    expect(services).to_contain_text(f"{service.current_version.title_fa} (درگاه)")
    expect(page.locator("[data-records=open_incidents]")).to_contain_text(incident.tracking_code)
    screenshot(page, "changes-journey-requested-fa")
    act(page, "submit")
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "assessment")

    # two of the three board members approve: a majority
    for voter in members[:2]:
        voting = make_page(browser, outside_requests, language="fa")
        signed_in(voting, live_server, voter, verified_login)
        voting.goto(f"{live_server.url}/desk/changes/{change.tracking_code}/")
        voting.check("#action-vote input[value=approve]")
        act(voting, "vote")
        voting.context.close()
    change.refresh_from_db()
    assert change.status == ChangeStatus.AUTHORISED
    assert change.votes.filter(vote="approve").count() == 2

    # scheduled beside a change on the application that runs on the database: a conflict
    page.reload()
    act(page, "schedule")
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "scheduled")
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(21, 0)))
    other = make_change(
        ChangeStatus.SCHEDULED,
        title="وصله برنامه درگاه",
        items=[cmdb["app"]],
        start=start,
        end=start + dt.timedelta(hours=2),
    )
    month = JalaliDate(day)
    page.goto(f"{live_server.url}/desk/changes/calendar/?month={month.year:04d}-{month.month:02d}")
    cell = page.locator(f'[data-testid="calendar-grid"] td[data-date="{day.isoformat()}"]')
    expect(cell.locator(f'[data-conflict="{change.tracking_code}"]')).to_have_count(1)
    expect(cell.locator(f'[data-conflict="{other.tracking_code}"]')).to_have_count(1)
    screenshot(page, "changes-journey-calendar-fa")

    # in the Nowruz 1406 freeze: refused as a normal change, accepted as an emergency
    nowruz = dt.date(2027, 3, 22)
    page.goto(f"{live_server.url}/desk/changes/new/")
    fill_change(page, title="تغییر در نوروز", kind="normal", item=cmdb["link"], day=nowruz)
    act(page, "submit")
    refusal = page.get_by_test_id("error-submit")
    expect(refusal).to_contain_text("نوروز")
    assert Change.objects.get(title="تغییر در نوروز").status == ChangeStatus.DRAFT
    screenshot(page, "changes-journey-freeze-refused-fa")
    page.goto(f"{live_server.url}/desk/changes/new/")
    fill_change(
        page, title="وصله اضطراری در نوروز", kind="emergency", item=cmdb["link"], day=nowruz
    )
    act(page, "submit")
    emergency = Change.objects.get(title="وصله اضطراری در نوروز")
    assert emergency.status == ChangeStatus.ASSESSMENT and emergency.board == ecab
    page.context.close()
    assert outside_requests == []
