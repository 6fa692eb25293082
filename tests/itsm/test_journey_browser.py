"""In a real browser, the whole major-incident story (issue 12's journey):

an agent logs an incident, a second report of the same outage is linked as its child, a supervisor
raises it to major and publishes a notice that appears on the portal, opens a problem, records a
known error, resolves the parent and sees both reporters told by SMS; the known error is then
suggested on a new incident.
"""

from __future__ import annotations

import importlib
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client

from khedmat.accounts.models import Team, User
from khedmat.itsm.choices import IncidentStatus
from khedmat.itsm.models import Incident, KnownError, Problem
from khedmat.notifications.models import Message
from khedmat.sla.models import SlaPolicy
from tests.fixtures.browser import make_page, screenshot
from tests.fixtures.notifications import install_default_templates

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST_MOBILE, SECOND_MOBILE = "09121110001", "09121110002"
OUTAGE = "قطع پست الکترونیک در ساختمان مرکزی"
NOTICE = "پست الکترونیک قطع است؛ رفع تا ساعت ۱۲ پیش‌بینی می‌شود."
WORKAROUND = "پرونده‌های گزارش قدیمی سرور پست را پاک کنید و سرویس را دوباره راه‌اندازی کنید."


@pytest.fixture
def rows_after_flush(db: None) -> None:
    """What a transactional test's flush drops: ITSM permissions, matrix, categories, templates."""
    editor = SimpleNamespace(connection=SimpleNamespace(alias=connection.alias))
    for module, function in (
        ("khedmat.accounts.migrations.0003_role_groups", "create_role_groups"),
        ("khedmat.itsm.migrations.0002_roles_matrix_categories", "grant"),
        ("khedmat.itsm.migrations.0003_message_templates", "add_templates"),
    ):
        getattr(importlib.import_module(module), function)(apps, editor)
    install_default_templates()


def signed_in(browser: Any, outside: list[str], live_server: Any, user: User, login: Any) -> Any:
    """A desktop page in Persian with `user` signed in (2FA passed)."""
    page = make_page(browser, outside, language="fa", width=1280)
    cookie = login(Client(), user).cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    return page


def log_incident(page: Any, live_server: Any, title: str, mobile: str, name: str) -> str:
    """Fill the desk's new-incident form; returns the new incident's code (from the address)."""
    page.goto(f"{live_server.url}/desk/incidents/new/")
    page.fill("[name=title]", title)
    page.fill("[name=description]", "از ساعت ۸ صبح هیچ نامه‌ای ارسال یا دریافت نمی‌شود.")
    page.fill("[name=reporter_name]", name)
    page.fill("[name=reporter_mobile]", mobile)
    page.select_option("[name=impact]", "high")
    page.select_option("[name=urgency]", "high")
    page.select_option("[name=team]", label="Service desk")
    with page.expect_navigation():
        page.get_by_test_id("incident-submit").click()
    match = re.search(r"/desk/incidents/(\d+)/$", page.url)
    assert match is not None, page.url
    return match.group(1)


def act(page: Any, action: str, **fields: str) -> None:
    """Submit one action form of the page (fields by their unprefixed names)."""
    form = page.locator(f"#action-{action}")
    form.evaluate(
        "f => { const d = f.closest('details'); if (d) d.open = true; }"
    )  # as a click would
    for name, value in fields.items():
        field = form.locator(f"[name='{action}-{name}']")
        if field.first.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        elif field.first.get_attribute("type") == "radio":
            form.locator(f"[name='{action}-{name}'][value='{value}']").check()
        else:
            field.fill(value)
    with page.expect_navigation():
        form.get_by_test_id(f"action-{action}").click()


def test_a_major_incident_from_first_report_to_known_error(
    browser: Any,
    live_server: Any,
    outside_requests: list[str],
    rows_after_flush: None,
    incident_sla: SlaPolicy,
    it_agent: User,
    incident_manager: User,
    desk_team: Team,
    verified_login: Any,
) -> None:
    agent = signed_in(browser, outside_requests, live_server, it_agent, verified_login)

    # The agent logs the outage, then a second report of it, and links that one as a child.
    parent_code = log_incident(agent, live_server, OUTAGE, FIRST_MOBILE, "مریم احمدی")
    child_code = log_incident(agent, live_server, "ایمیل من کار نمی‌کند", SECOND_MOBILE, "علی رضایی")
    agent.goto(f"{live_server.url}/desk/incidents/{parent_code}/")
    act(agent, "link_child", code=child_code)
    parent = Incident.objects.get(tracking_code=child_code).parent
    assert parent is not None
    assert parent.tracking_code == parent_code
    assert agent.get_by_test_id("children").locator(f"a[href*='{child_code}']").count() == 1

    # The supervisor raises it to major and publishes a notice to the portal.
    boss = signed_in(browser, outside_requests, live_server, incident_manager, verified_login)
    boss.goto(f"{live_server.url}/desk/incidents/{parent_code}/")
    act(boss, "declare_major")
    assert Incident.objects.get(tracking_code=parent_code).is_major
    boss.goto(f"{live_server.url}/desk/incidents/{parent_code}/major/")
    act(boss, "post_update", text=NOTICE, audience="public")
    screenshot(boss, "itsm-journey-major-fa-1280")
    visitor = make_page(browser, outside_requests, language="fa", width=390)
    visitor.goto(f"{live_server.url}/")
    assert NOTICE in visitor.locator("body").inner_text()
    screenshot(visitor, "itsm-journey-portal-notice-fa-390")

    # A problem from the incident, and its known error with the workaround.
    boss.goto(f"{live_server.url}/desk/incidents/{parent_code}/")
    act(boss, "open_problem", title="پر شدن دیسک سرور پست الکترونیک")
    problem = Problem.objects.get(incidents__tracking_code=parent_code)
    boss.goto(f"{live_server.url}/desk/problems/{problem.tracking_code}/")
    act(boss, "known_error", workaround=WORKAROUND)
    known = KnownError.objects.get(problem=problem)
    assert known.workaround == WORKAROUND

    # Resolving the parent resolves the child; both reporters are told by SMS.
    boss.goto(f"{live_server.url}/desk/incidents/{parent_code}/")
    act(boss, "resolve", code="permanent", note="دیسک سرور پاک‌سازی و سرویس راه‌اندازی شد.")
    statuses = dict(
        Incident.objects.filter(tracking_code__in=[parent_code, child_code]).values_list(
            "tracking_code", "status"
        )
    )
    assert statuses == {parent_code: IncidentStatus.RESOLVED, child_code: IncidentStatus.RESOLVED}
    told = Message.objects.filter(event="incident_resolved", channel="sms")
    assert sorted(told.values_list("recipient", flat=True)) == ["+989121110001", "+989121110002"]
    assert "دیسک سرور پاک‌سازی" in told.first().body  # type: ignore[union-attr]
    timeline = boss.get_by_test_id("timeline").inner_text()
    assert "SMS" in timeline or "پیامک" in timeline
    visitor.goto(f"{live_server.url}/")
    assert NOTICE not in visitor.locator("body").inner_text()

    # A new incident about the same failure is offered the known error.
    new_code = log_incident(
        agent, live_server, "پست الکترونیک دوباره قطع شد", "09121110003", "زهرا کریمی"
    )
    suggestions = agent.get_by_test_id("suggestions").inner_text()
    assert known.title in suggestions
    screenshot(agent, "itsm-journey-suggestion-fa-1280")
    with agent.expect_navigation():
        agent.get_by_test_id(f"apply-{known.code}").click()
    assert Incident.objects.get(tracking_code=new_code).known_error == known
    assert outside_requests == []
