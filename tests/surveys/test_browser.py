"""The survey end to end in a real browser (issue done-when): a request completes, the tick invites
the applicant, the SMS reaches the fake provider, the link is answered on a phone in Persian, and
the score shows in the supervisor's report. The Arabic page is looked at on the way."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.core.digits import fold_digits
from khedmat.jobs.tick import run_tick_handlers
from khedmat.notifications.fake_sms import FakeSmsServer
from khedmat.surveys.models import SurveyResponse
from tests.fixtures.browser import make_page, screenshot
from tests.fixtures.notifications import run_worker
from tests.fixtures.surveys import token_in
from tests.surveys.helpers import Complete

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOBILE = "+989121234567"
AXES = ("transparency", "responsiveness", "mastery", "time", "orderliness")


def test_a_completed_request_is_surveyed_by_sms_and_scored_in_the_report(
    browser: Any,
    live_server: Any,
    outside_requests: list[str],
    fake_kavenegar: FakeSmsServer,
    complete: Complete,
    survey_staff: Any,
    verified_login: Any,
    settings: SettingsWrapper,
) -> None:
    settings.KHEDMAT_PUBLIC_URL = live_server.url
    ticket = complete()
    assert "khedmat.surveys.apps.run_survey_tick" not in run_tick_handlers()
    run_worker()
    texts = [
        item["text"] or ""
        for item in fake_kavenegar.outbox()
        if item["recipient"].endswith(MOBILE[-10:])
    ]
    (survey_sms,) = [text for text in texts if "/survey/" in text]
    assert fold_digits(ticket.tracking_code) in fold_digits(survey_sms)
    link = f"{live_server.url}/survey/{token_in(survey_sms)}/"

    # Arabic, on a phone: look only.
    arabic = make_page(browser, outside_requests, language="ar", width=390, height=844)
    arabic.goto(link)
    assert arabic.locator("html").get_attribute("dir") == "rtl"
    assert "شفافية الإجراءات" in arabic.locator("main").inner_text()
    screenshot(arabic, "survey-form-ar-phone")

    # Persian, on a phone: a missing answer first, then every axis by keyboard and touch.
    page = make_page(browser, outside_requests, language="fa", width=390, height=844)
    page.set_default_timeout(15_000)
    page.goto(link)
    assert "شفافیت فرایندی" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "survey-form-fa-phone")
    page.get_by_test_id("survey-submit").click()
    page.get_by_test_id("survey-errors").wait_for()
    screenshot(page, "survey-form-fa-phone-errors")
    for axis in AXES[:-1]:
        page.locator(f"label[for=id_{axis}_3]").click()  # the fourth button: score 4
    page.locator(f"#id_{AXES[-1]}_2").focus()  # keyboard: focus the third, arrow to the fourth
    page.keyboard.press("Space")
    page.keyboard.press("ArrowLeft")  # right to left: the next score is to the left
    assert page.locator(f"#id_{AXES[-1]}_3").is_checked()
    page.locator("#id_comment").fill("کارمندان بسیار مؤدب بودند.")
    page.get_by_test_id("survey-submit").click()
    page.get_by_test_id("survey-thanks").wait_for()
    screenshot(page, "survey-thanks-fa-phone")
    response = SurveyResponse.objects.get()
    assert response.scores == dict.fromkeys(AXES, 4)

    # A second try with the same link is refused.
    page.goto(link)
    page.get_by_test_id("survey-answered").wait_for()

    # The supervisor's report shows the score.
    client = verified_login(Client(), survey_staff["supervisor"])
    desk = make_page(browser, outside_requests, language="fa", width=1280)
    desk.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    desk.goto(live_server.url + "/desk/surveys/")
    average = fold_digits(desk.get_by_test_id("total-average").inner_text()).replace("٫", ".")
    assert average == "4.00"
    by_service = fold_digits(desk.get_by_test_id("by-service").inner_text()).replace("٫", ".")
    assert "4.00" in by_service
    assert fold_digits(desk.get_by_test_id("total-rate").inner_text()).startswith("100")
    screenshot(desk, "survey-report-fa")
    assert outside_requests == []
