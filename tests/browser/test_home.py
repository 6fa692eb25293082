"""The portal home page in fa, ar and en, in a real browser."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone, translation
from hijridate import Gregorian
from persiantools.jdatetime import JalaliDate

from khedmat.core.dates import format_date
from khedmat.core.digits import to_arabic_digits, to_persian_digits
from tests.fixtures.browser import make_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def today_local():  # type: ignore[no-untyped-def]
    return timezone.localdate()


@pytest.mark.parametrize(("width", "suffix"), [(1280, "desktop"), (390, "phone")])
def test_home_in_persian_is_rtl_with_a_jalali_date(
    browser, live_server, outside_requests, width, suffix
):
    page = make_page(browser, outside_requests, language="fa", width=width)
    page.goto(live_server.url + "/")
    html = page.locator("html")
    assert html.get_attribute("lang") == "fa"
    assert html.get_attribute("dir") == "rtl"
    jalali = JalaliDate(today_local())
    expected_year = to_persian_digits(str(jalali.year))
    today_text = page.get_by_test_id("today").inner_text()
    assert expected_year in today_text
    assert today_text == format_date(today_local(), "fa")
    assert re.fullmatch(r"[۰-۹]{1,2} [آ-ی]+ [۰-۹]{4}", today_text)
    with translation.override("fa"):
        heading = translation.gettext("Government services, online")
    assert heading != "Government services, online"
    assert page.get_by_role("heading", level=1).inner_text() == heading
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert font.startswith('"Vazirmatn"') or font.startswith("Vazirmatn")
    assert page.evaluate("document.fonts.check('16px Vazirmatn')")
    screenshot(page, f"home-fa-{suffix}")
    assert outside_requests == []


def test_home_in_arabic_shows_hijri_with_gregorian(browser, live_server, outside_requests):
    page = make_page(browser, outside_requests, language="ar", width=390)
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    day = today_local()
    hijri = Gregorian(day.year, day.month, day.day).to_hijri()
    today_text = page.get_by_test_id("today").inner_text()
    assert to_arabic_digits(str(hijri.year)) in today_text
    assert to_arabic_digits(str(day.year)) in today_text
    assert today_text == format_date(day, "ar")
    screenshot(page, "home-ar-phone")
    assert outside_requests == []


def test_home_in_english_is_ltr_with_a_gregorian_date(browser, live_server, outside_requests):
    page = make_page(browser, outside_requests, language="en")
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert str(today_local().year) in page.get_by_test_id("today").inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "Government services, online"
    screenshot(page, "home-en-desktop")
    assert outside_requests == []


def test_language_switcher_keeps_the_choice_in_a_cookie(browser, live_server, outside_requests):
    page = make_page(browser, outside_requests, language="fa")
    page.goto(live_server.url + "/")
    with translation.override("fa"):
        label = translation.gettext("Language")
    with page.expect_navigation():
        page.get_by_label(label).select_option("ar")
    assert page.locator("html").get_attribute("lang") == "ar"
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "ar"
    assert outside_requests == []


def test_keyboard_user_reaches_the_skip_link_first(browser, live_server, outside_requests):
    page = make_page(browser, outside_requests, language="fa")
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
