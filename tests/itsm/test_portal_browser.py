"""In a real browser: a person reports a problem on a phone (fa, 390 px) with a screenshot and
reads the receipt; then the report form, a resolved problem's page, the list, the status page and
the home page with a notice, in fa and ar at 390 and 1280 px, for the screenshots."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client

from khedmat.accounts.models import Team, User
from khedmat.catalog.models import Service
from khedmat.core.digits import fold_digits
from khedmat.itsm import services
from khedmat.itsm.models import Incident, IncidentAttachment
from tests.fixtures.browser import LOW_CONTRAST, UNLABELLED_CONTROLS, make_page, screenshot
from tests.fixtures.notifications import install_default_templates
from tests.fixtures.tickets import PNG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "fa": {
        "title": "صفحه پرداخت باز نمی‌شود",
        "description": "پس از زدن دکمه پرداخت، صفحه سفید می‌ماند و هیچ پیامی نمی‌آید.",
        "reply": "مشکل را بررسی می‌کنیم؛ لطفاً مرورگر را یک بار ببندید و دوباره باز کنید.",
        "note": "درگاه پرداخت بانک دوباره راه‌اندازی شد و پرداخت‌ها اکنون انجام می‌شوند.",
        "notice": "پرداخت برخط پروانه کسب از ساعت ۹ صبح در دسترس نیست. کارشناسان در حال رفع مشکل‌اند؛ زمان تقریبی رفع: ساعت ۱۲.",
    },
    "ar": {
        "title": "صفحة الدفع لا تفتح",
        "description": "بعد الضغط على زر الدفع تبقى الصفحة بيضاء ولا تظهر أي رسالة.",
        "reply": "نحن نتحقق من المشكلة؛ يرجى إغلاق المتصفح وفتحه مرة أخرى.",
        "note": "أُعيد تشغيل بوابة الدفع المصرفية وتتم المدفوعات الآن.",
        "notice": "الدفع الإلكتروني لرخصة العمل غير متاح منذ الساعة ٩ صباحًا. يعمل الفنيون على حل المشكلة؛ الوقت التقريبي: الساعة ١٢.",
    },
}


def _editor() -> SimpleNamespace:
    return SimpleNamespace(connection=SimpleNamespace(alias=connection.alias))


@pytest.fixture
def ready(db: None, settings: Any, tmp_path: Path) -> None:
    """What a transactional test's flush drops: the message templates; files go to tmp_path."""
    settings.MEDIA_ROOT = tmp_path / "media"
    install_default_templates()
    migration = importlib.import_module("khedmat.itsm.migrations.0003_message_templates")
    migration.add_templates(apps, _editor())


@pytest.fixture
def manager(incident_manager: User) -> User:
    """The incident manager with the major-incident permission (the flush dropped the group's;
    the row itself is made again here, whatever post_migrate did after the flush)."""
    permission, _ = Permission.objects.get_or_create(
        content_type=ContentType.objects.get_for_model(Incident),
        codename="declare_major_incident",
        defaults={"name": "Can declare and end a major incident"},
    )
    incident_manager.user_permissions.add(permission)
    return User.objects.get(pk=incident_manager.pk)


def signed_in(page: Any, live_server: Any, user: User) -> Any:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    return page


def no_overflow(page: Any, width: int) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth") <= width)


def test_a_person_reports_a_problem_with_a_screenshot_on_a_phone(
    browser: Any,
    live_server: Any,
    outside_requests: list[str],
    ready: None,
    service: Service,
    applicant: User,
    tmp_path: Path,
) -> None:
    shot = tmp_path / "screen.png"
    shot.write_bytes(PNG)
    page = signed_in(
        make_page(browser, outside_requests, language="fa", width=390), live_server, applicant
    )
    page.set_default_timeout(15_000)

    page.goto(f"{live_server.url}/")
    page.locator(".navbar-toggler").click()
    page.wait_for_selector("#portal-nav.show:not(.collapsing)")
    with page.expect_navigation(url="**/incidents/report/"):
        page.get_by_test_id("report-problem-link").click()
    assert service.current_version is not None
    page.locator("#id_service").select_option(label=service.current_version.title_fa)
    page.locator("#id_title").fill(TEXTS["fa"]["title"])
    page.locator("#id_description").fill(TEXTS["fa"]["description"])
    page.locator("label[for=id_impact_2]").click()
    page.locator("label[for=id_urgency_0]").click()
    page.locator("#id_screenshot").set_input_files(str(shot))
    assert page.locator("#id_mobile").input_value() == "09121234567"
    screenshot(page, "itsm-portal-report-filled-fa-390")
    page.get_by_test_id("incident-submit").click()
    page.wait_for_url("**/incidents/*/receipt/")

    incident = Incident.objects.get()
    shown = fold_digits(page.get_by_test_id("incident-code").inner_text()).replace(" ", "")
    assert shown == incident.tracking_code
    assert (incident.impact, incident.urgency, incident.priority) == ("high", "high", "urgent")
    assert IncidentAttachment.objects.get().original_name == "screen.png"
    assert no_overflow(page, 390)
    screenshot(page, "itsm-portal-receipt-fa-390")
    assert outside_requests == []


@pytest.mark.parametrize("language", ["fa", "ar"])
def test_portal_incident_pages_at_phone_and_desktop_widths(
    browser: Any,
    live_server: Any,
    outside_requests: list[str],
    ready: None,
    service: Service,
    applicant: User,
    it_agent: User,
    desk_team: Team,
    manager: User,
    language: str,
) -> None:
    words = TEXTS[language]
    report = services.IncidentReport(
        title=words["title"],
        description=words["description"],
        reporter=applicant,
        service=service,
        team=desk_team,
        impact="high",
        urgency="medium",
        channel="portal",
        language=language,
    )
    resolved = services.report_incident(report, actor=applicant)
    services.start_incident(resolved, actor=it_agent)
    services.reply_to_reporter(resolved, text=words["reply"], actor=it_agent)
    services.resolve_incident(resolved, code="workaround", note=words["note"], actor=it_agent)
    major = services.declare_major_incident(
        services.report_incident(report, actor=it_agent), actor=manager
    )
    services.post_major_update(major, text=words["notice"], audience="public", actor=manager)

    for width in (390, 1280):
        page = signed_in(
            make_page(browser, outside_requests, language=language, width=width),
            live_server,
            applicant,
        )
        for name, path in (
            ("report", "/incidents/report/"),
            ("detail", f"/incidents/{resolved.tracking_code}/"),
            ("list", "/incidents/"),
            ("status", "/status/"),
            ("home", "/"),
        ):
            page.goto(live_server.url + path)
            assert page.locator("html").get_attribute("dir") == "rtl"
            assert no_overflow(page, width), name
            assert page.evaluate(UNLABELLED_CONTROLS) == [], name
            assert page.evaluate(LOW_CONTRAST) == [], name
            screenshot(page, f"itsm-portal-{name}-{language}-{width}")
        page.goto(f"{live_server.url}/incidents/{resolved.tracking_code}/")
        assert page.get_by_test_id("reopen-submit").is_visible()
        assert words["note"] in page.get_by_test_id("incident-resolution").inner_text()
        page.goto(f"{live_server.url}/status/")
        assert words["notice"] in page.get_by_test_id("status-notice").inner_text()
    assert outside_requests == []
