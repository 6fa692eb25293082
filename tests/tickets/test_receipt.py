"""The receipt (R-16) on screen and as a PDF, and the applicant's list of requests."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from pytest_django import DjangoAssertNumQueries

from khedmat.accounts.models import User
from khedmat.catalog.money import money_text
from khedmat.core.dates import format_datetime, jalali_date
from khedmat.core.digits import to_arabic_digits, to_persian_digits
from khedmat.tickets import receipts, services
from khedmat.tickets.choices import Capacity
from khedmat.tickets.models import Ticket
from tests.fixtures.tickets import Submit

pytestmark = pytest.mark.django_db

OUTPUT_DIR = Path(os.environ.get("KHEDMAT_TEST_OUTPUT", "test-output")) / "receipts"
BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def receipt_url(ticket: Ticket) -> str:
    return reverse("tickets:receipt", args=[ticket.tracking_code])


def pdf_url(ticket: Ticket) -> str:
    return reverse("tickets:receipt_pdf", args=[ticket.tracking_code])


def client_as(user: User, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


@pytest.fixture
def ticket(submit: Submit) -> Ticket:
    return submit()


@pytest.fixture
def other_applicant(make_user: Callable[..., User]) -> User:
    return make_user("other", mobile="+989351112233", national_code="0084575948", password=None)


# --- the receipt page ----------------------------------------------------------------------------


def test_receipt_shows_every_item_of_r16(
    ticket: Ticket, citizen: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client = client_as(citizen)
    with django_assert_num_queries(5):  # session, user, request, steps, fees
        response = client.get(receipt_url(ticket))

    assert response.status_code == 200
    html = response.content.decode()
    code = ticket.tracking_code
    version = ticket.service_version
    # tracking code: large, left to right, with a copy button
    assert f'dir="ltr" id="tracking-code" data-testid="tracking-code">{code}</p>' in html
    assert f'data-copy="{code}"' in html
    # service title and code
    assert (
        '<h1 class="receipt-service" id="receipt-title" data-testid="service-title">Business licence</h1>'
        in html
    )
    assert 'data-testid="service-code">17041325104</bdi>' in html
    # submission time and the promised answer date
    with translation.override("en"):
        submitted, promised = (
            format_datetime(ticket.submitted_at, "en"),
            format_datetime(ticket.promised_at, "en"),
        )
    assert f'data-testid="submitted-at">{submitted}</time>' in html
    assert "The final answer will be issued by" in html
    assert f'data-testid="promised-at">{promised}</time>' in html
    # the fee with its currency, and the steps
    assert f'<td class="fee-amount">{money_text(1_200_000, "IRR", "en")}</td>' in html
    assert "1,200,000 rial" in html
    assert '<ol class="step-list" data-testid="steps">\n      <li>Apply</li>' in html
    # responsible unit and how to contact it
    assert version.responsible_unit is not None
    assert f'data-testid="responsible-unit">{version.responsible_unit.name}</td>' in html
    assert "021-33445566" in html and 'href="tel:021-33445566"' in html
    assert 'href="mailto:desk@example.ir"' in html
    # how to follow up: the tracking address with the code, the SMS sent to the masked mobile
    assert f'data-testid="follow-up-url">http://127.0.0.1:8000/track/?code={code}</a>' in html
    assert "0912***4567" in html and "+989121234567" not in html
    # QR code of the tracking link, and the PDF and print buttons
    assert 'class="qr-code"><title>QR code of the follow-up address</title>' in html
    assert str(receipts.qr_svg(services.public_link(ticket))) in html
    assert f'href="{pdf_url(ticket)}" download data-testid="download-pdf">Download PDF</a>' in html
    assert 'data-testid="print">Print</button>' in html
    # the applicant, and no representative row for a request filed by the applicant
    assert 'data-testid="principal"><bdi>زهرا کریمی</bdi>' in html
    assert 'data-testid="representative"' not in html


def test_receipt_in_persian_has_persian_digits_and_jalali_dates(
    ticket: Ticket, citizen: User
) -> None:
    response = client_as(citizen, "fa").get(receipt_url(ticket))

    html = response.content.decode()
    persian_code = to_persian_digits(ticket.tracking_code)
    assert f'data-testid="tracking-code">{persian_code}</p>' in html
    submitted = format_datetime(ticket.submitted_at, "fa")
    assert to_persian_digits(jalali_date(ticket.submitted_at)) in submitted
    assert f'data-testid="submitted-at">{submitted}</time>' in html
    assert '<html lang="fa" dir="rtl">' in html
    assert "۰۹۱۲***۴۵۶۷" in html


def test_receipt_names_the_handler(ticket: Ticket, citizen: User, agent: User) -> None:
    ticket.assignee = agent
    ticket.save(update_fields=["assignee"])

    html = client_as(citizen).get(receipt_url(ticket)).content.decode()

    assert 'data-testid="handler">Sara</td>' in html


def test_representative_request_shows_both_and_the_principal_can_see_it(
    submit: Submit, citizen: User, make_user: Callable[..., User]
) -> None:
    lawyer = make_user(
        "lawyer",
        first_name="علی",
        last_name="وکیلی",
        mobile="+989131110000",
        national_code="0084575948",
        password=None,
    )
    ticket = submit(
        requester=lawyer,
        filed_by=lawyer,
        representation=services.Representation(
            capacity=Capacity.ATTORNEY, name="علی وکیلی", national_code="0084575948"
        ),
    )

    for user in (lawyer, citizen):  # the representative who filed, and the principal
        response = client_as(user).get(receipt_url(ticket))
        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-testid="principal"><bdi>زهرا کریمی</bdi>' in html
        assert (
            'data-testid="representative"><bdi>علی وکیلی</bdi> (<bdi dir="ltr" class="num-ltr">'
            "&#x202D;0084575948&#x202C;</bdi>) — Attorney (power of attorney)</td>"
        ) in html


# --- who may see a receipt -------------------------------------------------------------------------


def test_another_applicant_gets_404_for_the_receipt_and_the_pdf(
    ticket: Ticket, other_applicant: User
) -> None:
    client = client_as(other_applicant)

    assert client.get(receipt_url(ticket)).status_code == 404
    response = client.get(pdf_url(ticket))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_anonymous_is_sent_to_the_applicant_log_in(ticket: Ticket, client: Client) -> None:
    for url in (receipt_url(ticket), pdf_url(ticket), reverse("tickets:request_list")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:applicant_login')}?next={url}"


def test_unknown_and_malformed_codes_are_404(
    ticket: Ticket, citizen: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client = client_as(citizen)
    wrong_check_digit = ticket.tracking_code[:-1] + str((int(ticket.tracking_code[-1]) + 1) % 10)

    with django_assert_num_queries(2):  # session and user: the code is refused before any look-up
        assert client.get(f"/requests/{wrong_check_digit}/receipt/").status_code == 404
    assert client.get("/requests/not-a-code/receipt.pdf").status_code == 404


def test_the_code_may_be_typed_in_persian_digits(ticket: Ticket, citizen: User) -> None:
    url = f"/requests/{to_persian_digits(ticket.tracking_code)}/receipt/"

    assert client_as(citizen).get(url).status_code == 200


def test_staff_of_the_unit_see_the_receipt_other_staff_get_404(
    submit: Submit,
    make_user: Callable[..., User],
    outsider: User,
    verified_login: Callable[..., Client],
) -> None:
    ticket = submit()
    assert ticket.org_unit is not None
    clerk = make_user("clerk", roles=["operator"], org_unit=ticket.org_unit)
    stranger = make_user("stranger", roles=["applicant"], org_unit=ticket.org_unit)
    english = {"accept-language": "en"}

    for user, status in ((clerk, 200), (outsider, 404), (stranger, 404)):
        client = verified_login(Client(headers=english), user)
        assert client.get(receipt_url(ticket)).status_code == status, user.username


def test_the_operator_who_filed_a_walk_in_request_can_print_its_receipt(
    submit: Submit, citizen: User, operator: User, verified_login: Callable[..., Client]
) -> None:
    ticket = submit(filed_by=operator, channel="in_person")
    client = verified_login(Client(headers={"accept-language": "en"}), operator)

    assert operator.org_unit_id != ticket.org_unit_id
    assert client.get(receipt_url(ticket)).status_code == 200
    assert client.get(pdf_url(ticket)).status_code == 200


def test_receipt_refuses_post(ticket: Ticket, citizen: User) -> None:
    assert client_as(citizen).post(receipt_url(ticket)).status_code == 405


# --- the PDF ---------------------------------------------------------------------------------------


def pdf_streams(pdf: bytes) -> bytes:
    """The PDF with every compressed stream inflated (font names live in object streams)."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def pdf_text(pdf: bytes, language: str, receipt: receipts.Receipt) -> str:
    """The PDF's text by pdftotext (poppler-utils) when installed, else WeasyPrint's layout."""
    if shutil.which("pdftotext"):
        result = subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
        )
        return BIDI_MARKS.sub("", result.stdout.decode())
    from weasyprint import HTML

    with translation.override(language):
        document = HTML(string=receipts.receipt_pdf_html(receipt)).render()
    texts: list[str] = []

    def walk(box: object) -> None:
        if hasattr(box, "text"):
            texts.append(str(box.text))
        for child in getattr(box, "children", ()):
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return BIDI_MARKS.sub("", " ".join(texts))


def test_pdf_is_an_attachment_with_the_font_and_the_persian_text(
    ticket: Ticket, citizen: User
) -> None:
    response = client_as(citizen, "fa").get(pdf_url(ticket))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="receipt-{ticket.tracking_code}.pdf"'
    )
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    assert re.search(rb"/FontName /[A-Z]{6}\+Vazirmatn", pdf_streams(pdf))
    receipt = receipts.build_receipt(receipts.receipt_ticket(ticket.tracking_code))
    text = pdf_text(pdf, "fa", receipt)
    assert to_persian_digits(ticket.tracking_code) in text
    day, month, year = jalali_date(ticket.submitted_at).split(" ")
    assert month in text
    assert to_persian_digits(year) in text and to_persian_digits(day) in text
    assert year not in text  # no ASCII digits outside the follow-up address
    assert ticket.tracking_code not in text.replace(f"code={ticket.tracking_code}", "")


def test_pdf_in_arabic_has_arabic_indic_digits(ticket: Ticket, citizen: User) -> None:
    response = client_as(citizen, "ar").get(pdf_url(ticket))

    receipt = receipts.build_receipt(receipts.receipt_ticket(ticket.tracking_code))
    text = pdf_text(response.content, "ar", receipt)
    assert to_arabic_digits(ticket.tracking_code) in text
    assert "هـ" in text  # the Hijri date comes with the Gregorian one


def test_pdf_reads_only_local_files(ticket: Ticket) -> None:
    fetcher = receipts._fetcher()

    with pytest.raises(ValueError, match="may not load"):
        fetcher.fetch("https://fonts.example.com/font.woff2")
    with pytest.raises(ValueError, match="may not load"):
        fetcher.fetch("file:///etc/passwd")
    response = fetcher.fetch(receipts.font_path().as_uri())
    assert response.read(4) == b"wOF2"


@pytest.mark.parametrize("language", ["fa", "ar"])
def test_pdf_pages_as_images_for_review(ticket: Ticket, citizen: User, language: str) -> None:
    """Renders the receipt to test-output/receipts/receipt-<language>-1.png: look at it."""
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    ticket.representative_name = "علی وکیلی"
    ticket.representative_national_code = "0084575948"
    ticket.representative_capacity = Capacity.ATTORNEY
    ticket.save()
    pdf = client_as(citizen, language).get(pdf_url(ticket)).content
    (OUTPUT_DIR / f"receipt-{language}.pdf").write_bytes(pdf)
    prefix = OUTPUT_DIR / f"receipt-{language}"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-", str(prefix)],
        input=pdf,
        check=True,
    )

    assert (OUTPUT_DIR / f"receipt-{language}-1.png").stat().st_size > 10_000


# --- my requests -----------------------------------------------------------------------------------


def test_request_list_shows_the_applicants_requests_newest_first(
    submit: Submit, citizen: User, other_applicant: User
) -> None:
    first, second = submit(), submit()
    submit(  # someone else's request is not listed
        answers={"shop_name": "دیگری"},
        requester=other_applicant,
        filed_by=other_applicant,
        principal=services.Principal(name="دیگری", national_code="0084575948"),
    )

    html = client_as(citizen).get(reverse("tickets:request_list")).content.decode()

    codes = re.findall(r'data-testid="row-code">(\d+)</bdi>', html)
    assert codes == [second.tracking_code, first.tracking_code]
    assert f'href="{receipt_url(second)}"' in html
    assert html.count("<h2>Business licence</h2>") == 2
    assert "Submitted" in html


def test_request_list_links_to_follow_up(ticket: Ticket, citizen: User) -> None:
    html = client_as(citizen).get(reverse("tickets:request_list")).content.decode()

    track = reverse("tickets:track")
    assert f'href="{track}?code={ticket.tracking_code}" data-testid="track-link"' in html


def test_request_list_shows_requests_filed_for_the_principal(
    submit: Submit, citizen: User, make_user: Callable[..., User]
) -> None:
    lawyer = make_user("lawyer", mobile="+989131110000", national_code="0084575948", password=None)
    ticket = submit(
        requester=lawyer,
        filed_by=lawyer,
        representation=services.Representation(
            capacity=Capacity.ATTORNEY, name="علی وکیلی", national_code="0084575948"
        ),
    )

    html = client_as(citizen).get(reverse("tickets:request_list")).content.decode()

    assert re.findall(r'data-testid="row-code">(\d+)</bdi>', html) == [ticket.tracking_code]


def test_request_list_query_count_does_not_grow(submit: Submit, citizen: User) -> None:
    client = client_as(citizen)
    counts = []
    for total in (3, 10):
        while Ticket.objects.count() < total:
            submit()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("tickets:request_list"))
        assert response.content.decode().count('data-testid="request-row"') == total
        counts.append(len(queries))

    assert counts == [3, 3]  # session, user, one page of requests


def test_request_list_pages_by_cursor(submit: Submit, citizen: User, settings: Any) -> None:
    settings.KHEDMAT_MAX_REQUESTS_PER_DAY = 0  # more than a day's filings, for two pages
    made = [submit() for _ in range(receipts.REQUESTS_PER_PAGE + 2)]
    client = client_as(citizen)

    first = client.get(reverse("tickets:request_list")).content.decode()
    cursor = re.search(r'href="\?after=([A-Za-z0-9_-]+)" rel="next"', first)
    assert cursor is not None
    second = client.get(reverse("tickets:request_list"), {"after": cursor.group(1)})

    newest_first = [ticket.tracking_code for ticket in reversed(made)]
    first_codes = re.findall(r'data-testid="row-code">(\d+)</bdi>', first)
    second_codes = re.findall(r'data-testid="row-code">(\d+)</bdi>', second.content.decode())
    assert first_codes == newest_first[: receipts.REQUESTS_PER_PAGE]
    assert second_codes == newest_first[receipts.REQUESTS_PER_PAGE :]
    assert 'rel="next"' not in second.content.decode()


def test_request_list_with_a_bad_cursor_shows_the_first_page(ticket: Ticket, citizen: User) -> None:
    response = client_as(citizen).get(reverse("tickets:request_list"), {"after": "x-1"})

    assert re.findall(r'data-testid="row-code">(\d+)</bdi>', response.content.decode()) == [
        ticket.tracking_code
    ]


def test_request_list_without_requests(citizen: User) -> None:
    html = client_as(citizen).get(reverse("tickets:request_list")).content.decode()

    assert 'data-testid="no-requests"' in html


def test_the_portal_header_links_to_my_requests(citizen: User, client: Client) -> None:
    link = f'href="{reverse("tickets:request_list")}"'

    assert link not in client.get(reverse("portal:home")).content.decode()
    assert link in client_as(citizen).get(reverse("portal:home")).content.decode()


def test_request_list_in_persian(ticket: Ticket, citizen: User) -> None:
    html = client_as(citizen, "fa").get(reverse("tickets:request_list")).content.decode()

    assert f'data-testid="row-code">{to_persian_digits(ticket.tracking_code)}</bdi>' in html
    assert '<html lang="fa" dir="rtl">' in html


def test_mask_mobile() -> None:
    assert receipts.mask_mobile("+989121234567") == "0912***4567"
    assert receipts.mask_mobile("09121234567") == "0912***4567"
    assert receipts.mask_mobile("") == ""
