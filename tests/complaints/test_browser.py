"""In a real browser: an applicant files a complaint on a phone (fa, 390 px) after the SMS login,
a staff member answers it in the desk, the applicant reads the outcome on the tracking page.
Then every complaint page in fa and ar at 390 px and on a desktop, for the screenshots."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from khedmat.accounts.models import User
from khedmat.complaints import services
from khedmat.complaints.models import Complaint
from khedmat.core.digits import fold_digits
from khedmat.notifications.fake_sms import FakeSmsServer
from tests.complaints.helpers import grant_complaint_permissions, install_complaint_templates
from tests.fixtures.browser import make_page, screenshot
from tests.fixtures.notifications import install_default_templates, run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOBILE = "۰۹۱۲۱۲۳۴۵۶۷"
E164 = "+989121234567"


@pytest.fixture
def ready(db: None) -> None:
    """What a transactional test's flush drops: message templates and role permissions."""
    install_default_templates()
    install_complaint_templates()
    grant_complaint_permissions()


def texts_to(server: FakeSmsServer, mobile: str) -> list[str]:
    return [
        fold_digits(item["text"] or "")
        for item in server.outbox()
        if item["recipient"].endswith(mobile[-10:])
    ]


def with_session(page: Any, live_server: Any, user: User, verified_login: Any) -> Any:
    client = verified_login(Client(), user) if user.is_staff else Client()
    if not user.is_staff:
        client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    return page


def test_an_applicant_files_a_complaint_and_reads_the_answer(
    browser: Any,
    live_server: Any,
    outside_requests: list[str],
    fake_kavenegar: FakeSmsServer,
    ready: None,
    service: Any,
    inspector: User,
    verified_login: Any,
) -> None:
    title = service.current_version.title_fa
    page = make_page(browser, outside_requests, language="fa", width=390)
    page.set_default_timeout(15_000)

    # 1. The complaint page sends an anonymous visitor to the SMS login, then comes back.
    page.goto(live_server.url + "/complaints/new/")
    assert "/accounts/applicant/login/" in page.url
    page.locator("#id_mobile").fill(MOBILE)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/accounts/applicant/code/**")
    run_worker()
    (otp_text,) = texts_to(fake_kavenegar, E164)
    code = re.search(r"\b(\d{6})\b", otp_text).group(1)  # type: ignore[union-attr]
    page.locator("#id_code").fill(code)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/accounts/applicant/profile/**")
    page.locator("#id_first_name").fill("زهرا")
    page.locator("#id_last_name").fill("کریمی")
    page.locator("#id_national_code").fill("0013542419")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/complaints/new/")
    assert page.get_by_test_id("national-channels").is_visible()
    screenshot(page, "complaints-new-fa-390")

    # 2. File it: the receipt shows the complaint's own code; the SMS carries it.
    page.locator("#id_service").select_option(label=title)
    page.locator("#id_subject").fill("برخورد نامناسب در باجه")
    page.locator("#id_text").fill("کارمند باجه ۳ به پرسش من پاسخ نداد.")
    page.get_by_test_id("complaint-submit").click()
    page.wait_for_url("**/complaints/*/receipt/")
    complaint = Complaint.objects.get()
    shown = fold_digits(page.get_by_test_id("complaint-code").inner_text())
    assert shown.replace(" ", "") == complaint.tracking_code
    screenshot(page, "complaints-receipt-fa-390")
    run_worker()
    assert any(complaint.tracking_code in text for text in texts_to(fake_kavenegar, E164))

    # 3. The complaints unit answers in the desk.
    desk = with_session(
        make_page(browser, outside_requests, language="fa"),
        live_server,
        inspector,
        verified_login,
    )
    desk.goto(f"{live_server.url}/desk/complaints/")
    desk.locator(f"a[href='/desk/complaints/{complaint.tracking_code}/']").click()
    desk.locator("#id_text").fill("از کارمند مربوط تذکر داده شد. از شکیبایی شما سپاسگزاریم.")
    desk.get_by_test_id("action-answer").click()
    desk.wait_for_selector("[data-testid=desk-answer]")
    screenshot(desk, "complaints-desk-answered-fa")
    complaint.refresh_from_db()
    assert complaint.status == "answered"
    run_worker()
    assert sum(complaint.tracking_code in text for text in texts_to(fake_kavenegar, E164)) == 2

    # 4. The applicant reads the outcome on the complaint's tracking page.
    page.goto(f"{live_server.url}/complaints/track/")
    page.locator(f"a[href='/complaints/track/{complaint.tracking_code}/']").click()
    outcome = page.get_by_test_id("complaint-outcome")
    assert "تذکر داده شد" in outcome.inner_text()
    screenshot(page, "complaints-track-answered-fa-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert outside_requests == []


@pytest.mark.parametrize("language", ["fa", "ar"])
def test_complaint_pages_at_phone_and_desktop_widths(
    browser: Any,
    live_server: Any,
    outside_requests: list[str],
    ready: None,
    file: Any,
    citizen: User,
    inspector: User,
    verified_login: Any,
    language: str,
) -> None:
    late = file(now=timezone.now() - dt.timedelta(days=40), language=language)
    answered = services.answer_complaint(
        file(language=language), text="پاسخ داده شد.", actor=inspector
    )
    for width in (390, 1280):
        page = make_page(browser, outside_requests, language=language, width=width)
        with_session(page, live_server, citizen, verified_login)
        for name, path in (
            ("new", "/complaints/new/"),
            ("track", "/complaints/track/"),
            ("receipt", f"/complaints/{late.tracking_code}/receipt/"),
            ("answered", f"/complaints/track/{answered.tracking_code}/"),
        ):
            page.goto(live_server.url + path)
            assert page.locator("html").get_attribute("dir") == "rtl"
            assert page.evaluate("document.documentElement.scrollWidth") <= width, name
            screenshot(page, f"complaints-{name}-{language}-{width}")
        desk = make_page(browser, outside_requests, language=language, width=width)
        with_session(desk, live_server, inspector, verified_login)
        for name, path in (
            ("desk-list", "/desk/complaints/"),
            ("desk-detail", f"/desk/complaints/{late.tracking_code}/"),
            ("desk-overdue", "/desk/complaints/overdue/"),
        ):
            desk.goto(live_server.url + path)
            assert desk.evaluate("document.documentElement.scrollWidth") <= width, name
            screenshot(desk, f"complaints-{name}-{language}-{width}")
        assert desk.get_by_test_id("unit-count").count() == 1
    assert outside_requests == []
