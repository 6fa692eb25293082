"""A new applicant's whole journey in a real browser, in Persian and in Arabic (issue 5, done when).

Finds a service by searching with Arabic ي/ك, reads its card, logs in with the code the fake SMS
provider received, fills the form (a Jalali date and uploads), sends it, reads the receipt and
downloads its PDF, receives the SMS with the tracking code, and follows the request on /track/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.catalog.demo import load_demo_catalog
from khedmat.core.digits import fold_digits
from khedmat.notifications.fake_sms import FakeSmsServer
from khedmat.tickets.models import Attachment, Ticket
from tests.fixtures.browser import make_page, screenshot
from tests.fixtures.notifications import install_default_templates, run_worker
from tests.fixtures.tickets import PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOBILE = {"fa": "۰۹۱۲۱۲۳۴۵۶۷", "ar": "٠٩١٢٧٦٥٤٣٢١"}
E164 = {"fa": "+989121234567", "ar": "+989127654321"}
NATIONAL_CODE = {"fa": "0013542419", "ar": "0084575948"}
SEARCH = "پروانه كسب جديد"  # Arabic kaf and yeh; the card says «پروانه کسب جدید»
CARD_TITLE = {"fa": "صدور پروانه کسب جدید", "ar": "إصدار رخصة عمل جديدة"}
YEAR = {"fa": "۱۴۰۵", "ar": "١٤٤٨"}  # Jalali in fa; Hijri (with the Gregorian) in ar


@pytest.fixture
def demo(db: None, settings: SettingsWrapper, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    load_demo_catalog()
    install_default_templates()


def texts_to(server: FakeSmsServer, mobile: str) -> list[str]:
    return [
        fold_digits(item["text"] or "")
        for item in server.outbox()
        if item["recipient"].endswith(mobile[-10:])
    ]


@pytest.mark.parametrize("language", ["fa", "ar"])
def test_a_new_applicant_applies_and_follows_the_request(
    browser: Any,
    live_server: Any,
    outside_requests: list[str],
    demo: None,
    fake_kavenegar: Any,
    language: str,
    tmp_path: Path,
) -> None:
    page = make_page(browser, outside_requests, language=language, width=390)
    page.set_default_timeout(15_000)

    # 1. Search with Arabic letters and open the card.
    page.goto(live_server.url + "/")
    page.locator("input[name=q]").first.fill(SEARCH)
    page.locator("input[name=q]").first.press("Enter")
    page.get_by_role("link", name=CARD_TITLE[language]).first.click()
    page.wait_for_url("**/services/10012656000sh13/")  # the click only starts the navigation
    assert page.locator("h1").first.inner_text().strip() == CARD_TITLE[language]
    screenshot(page, f"journey-card-{language}")

    # 2. Apply: log in with the code the SMS provider received.
    page.get_by_test_id("apply-link").click()
    page.wait_for_url("**/accounts/applicant/login/**")
    page.locator("#id_mobile").fill(MOBILE[language])
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/accounts/applicant/code/**")
    run_worker()
    (otp_text,) = texts_to(fake_kavenegar, E164[language])
    code = re.search(r"\b(\d{6})\b", otp_text).group(1)  # type: ignore[union-attr]
    page.locator("#id_code").fill(code)
    page.locator("main form button[type=submit]").first.click()

    # 3. A new applicant gives a name and a national code once.
    page.wait_for_url("**/accounts/applicant/profile/**")
    page.locator("#id_first_name").fill("زهرا" if language == "fa" else "فاطمة")
    page.locator("#id_last_name").fill("کریمی" if language == "fa" else "الحسيني")
    page.locator("#id_national_code").fill(NATIONAL_CODE[language])
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/services/10012656000sh13/apply/")
    screenshot(page, f"journey-apply-{language}")

    # 4. The form: a radio, identifiers in Persian digits, a cascading select, a Jalali date, files.
    lease = tmp_path / "lease.pdf"
    lease.write_bytes(PDF)
    page.locator("#id_applicant_kind_0").check()
    page.locator("#id_national_code").fill("۰۰۱۳۵۴۲۴۱۹")
    page.locator("#id_mobile").fill(MOBILE[language])
    page.locator("#id_guild").select_option("bakery")
    page.locator("#id_place_0").select_option("tehran")
    page.locator("#id_place_1").select_option("tehran/rey")
    page.locator("#id_address").fill("تهران، خیابان ری، پلاک ۱۲")
    page.locator("#id_postal_code").fill("۱۱۹۳۶۵۴۴۷۱")
    page.locator("#id_shop_area").fill("۴۵")
    page.locator("#id_start_date").click()  # the Jalali picker: year 1405, month 2, day 15
    picker = page.locator("jdp-container")
    assert picker.is_visible()
    picker.locator(".jdp-year select").select_option("1405")
    picker.locator(".jdp-month select").select_option("2")
    picker.locator(".jdp-day:not(.not-in-month)", has_text=re.compile(r"^15$")).first.click()
    assert not picker.is_visible()
    assert fold_digits(page.locator("#id_start_date").input_value()) == "1405/02/15"
    page.locator("#id_lease").set_input_files(str(lease))
    page.locator("input[type=file][name^=doc-][required]").first.set_input_files(str(lease))
    # On a busy machine the picker can open again over the form (its overlay then takes every
    # click): close it through its own API, as a person would by tapping outside it.
    page.evaluate("window.jalaliDatepicker && jalaliDatepicker.hide()")
    picker.wait_for(state="hidden")
    page.locator("#id_agree").check()
    page.get_by_test_id("apply-submit").click()

    # 5. The receipt, then its PDF.
    page.wait_for_url("**/requests/*/receipt/")
    ticket = Ticket.objects.get()
    assert ticket.answers["start_date"] == "2026-05-05"
    assert Attachment.objects.filter(ticket=ticket).count() == 2
    receipt = page.locator("main").inner_text()
    assert fold_digits(ticket.tracking_code) in fold_digits(receipt).replace(" ", "")
    assert YEAR[language] in receipt
    screenshot(page, f"journey-receipt-{language}")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("PDF")).first.click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    # 6. The SMS with the tracking code.
    run_worker()
    assert any(ticket.tracking_code in text for text in texts_to(fake_kavenegar, E164[language]))

    # 7. Anyone with the code and the national code follows it on /track/.
    visitor = make_page(browser, outside_requests, language=language, width=1280)
    visitor.goto(f"{live_server.url}/track/?code={ticket.tracking_code}")
    visitor.locator("input[name=national_code]").fill(NATIONAL_CODE[language])
    visitor.locator("main form button[type=submit]").first.click()
    visitor.wait_for_url(f"**/track/{ticket.tracking_code}/")
    detail = visitor.locator("main").inner_text()
    assert CARD_TITLE[language] in detail
    assert YEAR[language] in detail
    screenshot(visitor, f"journey-track-{language}")
    assert outside_requests == []
