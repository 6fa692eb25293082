"""In a real browser: the ITSM desk pages (the incident list, one incident, the major-incident
page, the overview, a problem) in Persian and Arabic at a phone's 390 px and a desktop's 1280 px,
right to left and without sideways scrolling; screenshots for a person to look at."""

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

from khedmat.accounts.models import User
from khedmat.itsm import services
from khedmat.itsm.models import Incident
from khedmat.sla.models import SlaPolicy
from tests.fixtures.browser import make_page, screenshot
from tests.fixtures.notifications import install_default_templates
from tests.itsm.helpers import ReportIncident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ready(db: None) -> None:
    """What a transactional test's flush drops: the ITSM role permissions, matrix, categories
    and message templates."""
    editor = SimpleNamespace(connection=SimpleNamespace(alias=connection.alias))
    importlib.import_module("khedmat.itsm.migrations.0002_roles_matrix_categories").grant(
        apps, editor
    )
    importlib.import_module("khedmat.itsm.migrations.0003_message_templates").add_templates(
        apps, editor
    )
    install_default_templates()


def signed_in(page: Any, live_server: Any, user: User, verified_login: Any) -> Any:
    client = verified_login(Client(), user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    return page


@pytest.fixture
def incidents(
    ready: None,
    incident_sla: SlaPolicy,
    report: ReportIncident,
    it_agent: User,
    it_agent_two: User,
    incident_manager: User,
    django_capture_on_commit_callbacks: Any,
) -> dict[str, Incident]:
    """A major e-mail outage with two child reports and updates, and a few ordinary incidents."""
    with django_capture_on_commit_callbacks(execute=True):
        services.create_known_error(
            title="قطع شدن پست الکترونیک پس از پر شدن دیسک سرور",
            symptom="نامه‌ها ارسال نمی‌شوند و خطای صندوق پر نمایش داده می‌شود",
            workaround="پرونده‌های گزارش قدیمی سرور پست را پاک کنید و سرویس را دوباره راه‌اندازی کنید.",
            actor=it_agent,
        )
    outage = report(
        "قطع کامل پست الکترونیک در ساختمان مرکزی و همه ادارات تابعه",
        description="از ساعت ۸ صبح هیچ نامه‌ای ارسال یا دریافت نمی‌شود؛ خطای دیسک پر روی سرور.",
        impact="high",
        urgency="high",
        configuration_item="mail-01.example.ir",
    )
    services.claim_incident(outage, actor=it_agent)
    for title in ("ایمیل من کار نمی‌کند", "صندوق پستی باز نمی‌شود"):
        services.link_child_incident(report(title), parent=outage, actor=it_agent)
    services.add_incident_note(outage, text="دیسک سرور پر است؛ در حال بررسی.", actor=it_agent)
    services.declare_major_incident(outage, actor=incident_manager)
    services.subscribe_stakeholder(outage, user=it_agent_two, actor=incident_manager)
    services.post_major_update(
        outage,
        text="علت پیدا شد: دیسک سرور پست پر شده است. رفع تا ساعت ۱۲ پیش‌بینی می‌شود.",
        audience="public",
        actor=incident_manager,
    )
    Incident.objects.filter(pk=outage.pk).update(
        next_update_due=timezone.now() - dt.timedelta(minutes=10)
    )
    held = services.hold_incident(
        report("چاپگر طبقه دوم کاغذ گیر می‌کند", impact="low", urgency="medium"),
        reason="awaiting_supplier",
        actor=it_agent,
    )
    old = report("درخواست دسترسی به سامانه بایگانی", impact="medium", urgency="low")
    Incident.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=4))
    services.open_problem(
        title="پر شدن دیسک سرور پست الکترونیک",
        incidents=[outage],
        team=outage.team,
        actor=it_agent,
    )
    outage.refresh_from_db()
    return {"outage": outage, "held": held, "old": old}


@pytest.mark.parametrize("language", ["fa", "ar"])
def test_desk_pages_at_phone_and_desktop_widths(
    browser: Any,
    live_server: Any,
    outside_requests: list[str],
    incidents: dict[str, Incident],
    incident_manager: User,
    verified_login: Any,
    language: str,
) -> None:
    outage = incidents["outage"]
    assert outage.problem is not None
    pages = (
        ("list", "/desk/incidents/"),
        ("incident", f"/desk/incidents/{outage.tracking_code}/"),
        ("major", f"/desk/incidents/{outage.tracking_code}/major/"),
        ("overview", "/desk/incidents/overview/"),
        ("problem", f"/desk/problems/{outage.problem.tracking_code}/"),
        ("new", "/desk/incidents/new/"),
    )
    for width in (390, 1280):
        page = make_page(browser, outside_requests, language=language, width=width)
        signed_in(page, live_server, incident_manager, verified_login)
        for name, path in pages:
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, name
            assert page.locator("html").get_attribute("dir") == "rtl"
            assert page.evaluate("document.documentElement.scrollWidth") <= width, name
            screenshot(page, f"itsm-desk-{name}-{language}-{width}")
        page.goto(f"{live_server.url}/desk/incidents/{outage.tracking_code}/major/")
        assert page.get_by_test_id("next-update").get_attribute("data-overdue") == "1"
        assert page.locator("[data-update]").count() == 1
        page.context.close()
    assert outside_requests == []
