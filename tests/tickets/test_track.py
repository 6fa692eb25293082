"""Public follow-up /track/ (R-17): look-up, generic failures, rate limits, history, fixes."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts.models import Team, User
from khedmat.catalog.models import Service
from khedmat.core import ratelimit as counters
from khedmat.core.dates import format_datetime
from khedmat.core.digits import localize_digits
from khedmat.core.models import Activity, RateLimitCounter
from khedmat.core.services import record_activity
from khedmat.core.tracking import generate_tracking_code
from khedmat.sla.choices import DurationUnit, TargetKind
from khedmat.sla.models import SlaPolicy, SlaTarget
from khedmat.sla.queries import clear_unit_calendars
from khedmat.tickets import ratelimit, services
from khedmat.tickets.choices import Capacity, Status
from khedmat.tickets.documents import document_key, upload_documents
from khedmat.tickets.models import Attachment, Ticket
from khedmat.tickets.views.track import VERIFIED_SESSION_KEY
from tests.fixtures.catalog import MakeService
from tests.fixtures.tickets import FORM_FIELDS, PDF, Submit, pdf_file

pytestmark = pytest.mark.django_db

CITIZEN_CODE = "0013542419"
NOT_FOUND = (
    "We found no request with this tracking code and national code. Check both and try again."
)


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    cache.clear()
    clear_unit_calendars()
    yield
    cache.clear()
    clear_unit_calendars()


@pytest.fixture
def sla_policy(db: None) -> SlaPolicy:
    """A resolution target of 5 working days, so requests get clocks that pause."""
    policy = SlaPolicy.objects.create(name="Default", precedence=100)
    SlaTarget.objects.create(
        policy=policy, kind=TargetKind.RESOLUTION, amount=5, unit=DurationUnit.WORKING_DAYS
    )
    return policy


@pytest.fixture
def ticket(submit: Submit) -> Ticket:
    return submit()


def lookup(client: Client, code: str, national_code: str = "", **extra: Any) -> Any:
    return client.post("/track/", {"code": code, "national_code": national_code}, **extra)


def verify(client: Client, ticket: Ticket, national_code: str = CITIZEN_CODE) -> None:
    response = lookup(client, ticket.tracking_code, national_code)
    assert response.status_code == 303, response.content.decode()[:2000]
    assert response["Location"] == f"/track/{ticket.tracking_code}/"


def form_errors(response: Any) -> str:
    match = re.search(
        r'<div class="alert alert-danger"[^>]*id="form-errors"[^>]*>(.*?)</div>',
        response.content.decode(),
        re.S,
    )
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


def comparable(response: Any, *submitted: str) -> str:
    """The page without what differs between two requests: CSRF tokens and the typed values."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    for value in submitted:
        html = html.replace(value, "TYPED")
    return html


def wrong_check_digit(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10)


def unknown_code() -> str:
    return generate_tracking_code(
        exists=lambda code: Ticket.objects.filter(tracking_code=code).exists()
    )


# --- the form -----------------------------------------------------------------------------------


def test_the_form_is_public_and_prefilled_from_the_sms_link(client: Client) -> None:
    response = client.get("/track/?code=1234-5678")

    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<input type="text" name="code" value="1234-5678"', html)
    assert 'name="national_code"' in html
    assert 'data-testid="own-requests"' not in html


def test_principal_code_in_persian_digits_with_dashes_opens_the_request(
    client: Client, ticket: Ticket
) -> None:
    code = ticket.tracking_code
    typed = localize_digits(f"{code[:4]}-{code[4:8]} {code[8:]}", "fa")

    response = lookup(client, typed, localize_digits(CITIZEN_CODE, "fa"))

    assert response.status_code == 303
    assert response["Location"] == f"/track/{code}/"
    assert client.session[VERIFIED_SESSION_KEY] == [code]
    page = client.get(f"/track/{code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<h1 class="h3 mb-1">Business licence</h1>' in html
    assert re.search(r'data-testid="stage">Submitted<', html)


def test_the_representative_national_code_opens_the_request_too(
    client: Client, submit: Submit
) -> None:
    ticket = submit(
        principal=services.Principal(name="Reza Ahmadi", national_code="9876543210"),
        representation=services.Representation(
            capacity=Capacity.ATTORNEY, name="Zahra Karimi", national_code="1234567891"
        ),
    )

    verify(client, ticket, "1234567891")
    other = Client(headers={"accept-language": "en"})
    verify(other, ticket, "9876543210")
    assert client.get(f"/track/{ticket.tracking_code}/").status_code == 200


def test_a_company_is_found_by_its_national_id(client: Client, submit: Submit) -> None:
    ticket = submit(
        principal=services.Principal(name="Nan Co", national_code="10101010103", kind="legal"),
        representation=services.Representation(
            capacity=Capacity.COMPANY_REPRESENTATIVE, name="Zahra", national_code="1234567891"
        ),
    )

    verify(client, ticket, "10101010103")


def test_wrong_national_code_unknown_code_and_bad_check_digit_answer_alike(
    client: Client, ticket: Ticket
) -> None:
    attempts = {
        "wrong national code": (ticket.tracking_code, "1234567891"),
        "unknown code": (unknown_code(), CITIZEN_CODE),
        "bad check digit": (wrong_check_digit(ticket.tracking_code), CITIZEN_CODE),
    }
    responses, sql = {}, {}
    for name, (code, national_code) in attempts.items():
        with CaptureQueriesContext(connection) as queries:
            responses[name] = lookup(client, code, national_code)
        sql[name] = [
            query["sql"].replace(code, "CODE")
            for query in queries.captured_queries
            # the failure counters (core.ratelimit) differ by what was counted before, not by code
            if "core_ratelimitcounter" not in query["sql"] and "SAVEPOINT" not in query["sql"]
        ]

    bodies = {name: comparable(response, *attempts[name]) for name, response in responses.items()}
    assert {response.status_code for response in responses.values()} == {200}
    assert {form_errors(response) for response in responses.values()} == {NOT_FOUND}
    assert bodies["wrong national code"] == bodies["unknown code"] == bodies["bad check digit"]
    # The same look-up whether the code exists or not; none at all for a mistyped code.
    assert sql["wrong national code"] == sql["unknown code"]
    assert not any("tickets_ticket" in query for query in sql["bad check digit"])
    assert VERIFIED_SESSION_KEY not in client.session
    assert client.get(f"/track/{ticket.tracking_code}/").status_code == 302


def test_a_malformed_national_code_is_a_field_error_and_no_look_up(
    client: Client, ticket: Ticket
) -> None:
    response = lookup(client, ticket.tracking_code, "12345")

    assert response.status_code == 200
    assert "Enter the 10-digit national code or the 11-digit national ID." in (
        response.content.decode()
    )
    assert form_errors(response) == ""
    assert not RateLimitCounter.objects.exists()  # nothing was counted


def test_the_national_code_is_required_when_not_signed_in(client: Client, ticket: Ticket) -> None:
    response = lookup(client, ticket.tracking_code)

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert VERIFIED_SESSION_KEY not in client.session


# --- rate limits --------------------------------------------------------------------------------


def test_five_failures_lock_the_code_for_that_address_only(
    client: Client, ticket: Ticket, submit: Submit
) -> None:
    for _number in range(5):
        response = lookup(client, ticket.tracking_code, "1234567891", REMOTE_ADDR="10.0.0.1")
        assert response.status_code == 200
        assert form_errors(response) == NOT_FOUND

    response = lookup(client, ticket.tracking_code, CITIZEN_CODE, REMOTE_ADDR="10.0.0.1")

    assert response.status_code == 429
    assert form_errors(response) == "Too many attempts. Please try again in 15 minutes."
    assert VERIFIED_SESSION_KEY not in client.session
    applicant = Client(headers={"accept-language": "en"}, REMOTE_ADDR="10.0.1.1")
    verify(applicant, ticket)  # the applicant elsewhere is not locked out of their own request
    other = Client(headers={"accept-language": "en"}, REMOTE_ADDR="10.0.0.1")
    verify(other, submit())  # nor is another code from the same address


def test_ten_failures_lock_the_address(client: Client, ticket: Ticket) -> None:
    for _number in range(10):
        response = lookup(client, unknown_code(), CITIZEN_CODE, REMOTE_ADDR="10.0.0.7")
        assert response.status_code == 200

    locked = lookup(client, ticket.tracking_code, CITIZEN_CODE, REMOTE_ADDR="10.0.0.7")
    elsewhere = lookup(client, ticket.tracking_code, CITIZEN_CODE, REMOTE_ADDR="10.0.0.8")

    assert locked.status_code == 429
    assert form_errors(locked) == "Too many attempts. Please try again in 15 minutes."
    assert elsewhere.status_code == 303


def test_bad_check_digits_count_against_the_address(client: Client, ticket: Ticket) -> None:
    for _number in range(10):
        lookup(client, wrong_check_digit(ticket.tracking_code), CITIZEN_CODE)

    assert lookup(client, ticket.tracking_code, CITIZEN_CODE).status_code == 429


def test_limits_come_from_the_settings(
    client: Client, ticket: Ticket, settings: SettingsWrapper
) -> None:
    settings.KHEDMAT_TRACK_MAX_FAILURES_PER_CODE = 1
    settings.KHEDMAT_TRACK_WINDOW_SECONDS = 120

    lookup(client, ticket.tracking_code, "1234567891")
    response = lookup(client, ticket.tracking_code, CITIZEN_CODE)

    assert response.status_code == 429
    assert form_errors(response) == "Too many attempts. Please try again in 2 minutes."


def test_the_wait_counts_down_in_whole_minutes() -> None:
    counters.record_failure("test:key", window=900, now=1000.0)
    counters.record_failure("test:key", window=900, now=1001.0)

    assert counters.retry_after("test:key", maximum=3, now=1002.0) == 0
    assert counters.retry_after("test:key", maximum=2, now=1061.0) == 839
    assert ratelimit.minutes(839) == 14
    assert ratelimit.minutes(1) == 1


# --- signed-in applicants -----------------------------------------------------------------------


def file_request(service: Service, user: User, national_code: str) -> Ticket:
    """A request for another service, by another applicant, through the real service."""
    version = service.current_version
    assert version is not None
    (lease,) = upload_documents(version)
    key = document_key(lease.pk)
    descriptor = {"name": "lease.pdf", "size": len(PDF), "sha256": hashlib.sha256(PDF).hexdigest()}
    return services.submit_request(
        version,
        answers={"shop_name": "Other shop"},
        documents={key: [descriptor]},
        files={key: [pdf_file()]},
        requester=user,
        filed_by=user,
        principal=services.Principal(name="Other", national_code=national_code),
    )


def test_signed_in_applicant_lists_own_requests_and_needs_only_the_code(
    client: Client, submit: Submit, citizen: User
) -> None:
    first, second = submit(), submit()
    client.force_login(citizen)

    html = client.get("/track/").content.decode()

    listed = re.findall(r'href="/track/(\d+)/"', html.split('data-testid="own-requests"')[1])
    assert listed == [second.tracking_code, first.tracking_code]
    assert "You have no requests yet." not in html
    response = lookup(client, first.tracking_code)
    assert response.status_code == 303
    assert client.get(f"/track/{first.tracking_code}/").status_code == 200
    assert client.get(f"/track/{second.tracking_code}/").status_code == 200  # follows it anyway


def test_signed_in_applicant_cannot_open_someone_elses_request(
    client: Client,
    submit: Submit,
    citizen: User,
    make_service: MakeService,
    make_user: Callable[..., User],
) -> None:
    submit()
    secret = make_service(
        "17041325199",
        card={"title_en": "Weapons permit", "title_fa": "پروانه سلاح"},
        rows={"form_fields": FORM_FIELDS},
    )
    stranger = make_user("stranger", mobile="+989351112233", national_code="4567891236")
    theirs = file_request(secret, stranger, "4567891236")
    client.force_login(citizen)

    response = client.get(f"/track/{theirs.tracking_code}/")
    assert response.status_code == 302
    assert response["Location"] == f"/track/?code={theirs.tracking_code}"
    page = client.get(response["Location"])
    code_only = lookup(client, theirs.tracking_code)
    for html in (page.content.decode(), code_only.content.decode()):
        assert "Weapons permit" not in html and "پروانه سلاح" not in html
        assert "Other shop" not in html
    assert form_errors(code_only) == NOT_FOUND
    assert VERIFIED_SESSION_KEY not in client.session
    # Posting to its correction or objection address changes nothing either.
    assert client.post(f"/track/{theirs.tracking_code}/object/", {"text": "x"}).status_code == 303
    theirs.refresh_from_db()
    assert theirs.status == Status.SUBMITTED and theirs.objection_text == ""


def test_the_form_page_query_count_does_not_grow_with_the_list(
    client: Client,
    submit: Submit,
    citizen: User,
    django_assert_num_queries: Callable[..., Any],
) -> None:
    submit()
    client.force_login(citizen)
    client.get("/track/")

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get("/track/").status_code == 200
        return len(context.captured_queries)

    few = count()
    for _number in range(6):
        submit()
    assert count() == few
    with django_assert_num_queries(3):  # session, user, the list
        client.get("/track/")
    anonymous = Client(headers={"accept-language": "en"})
    with django_assert_num_queries(0):
        anonymous.get("/track/")


# --- the detail page ----------------------------------------------------------------------------


def test_history_lists_every_transition_with_jalali_timestamps_in_persian(
    client: Client, ticket: Ticket, agent: User
) -> None:
    ticket = services.start_review(ticket, actor=agent, stage_title="بررسی کارشناس")
    ticket = services.return_for_correction(
        ticket, fields=["shop_name"], note="نام فروشگاه را کامل بنویسید", actor=agent
    )
    verify(client, ticket)
    client.cookies["khedmat_language"] = "fa"

    response = client.get(f"/track/{ticket.tracking_code}/", HTTP_ACCEPT_LANGUAGE="fa")

    html = response.content.decode()
    assert '<html lang="fa" dir="rtl">' in html
    history = html.split('data-testid="history"')[1].split("</ol>")[0]
    activities = list(
        Activity.objects.for_target(ticket).filter(is_public=True).order_by("created_at", "id")
    )
    assert [row.new_value for row in activities] == [
        "submitted",
        "in_progress",
        "waiting_applicant",
    ]
    assert re.findall(r'data-status="(\w*)"', history) == [
        "submitted",
        "in_progress",
        "waiting_applicant",
    ]
    stamps = re.findall(r"<time[^>]*>([^<]+)</time>", history)
    assert stamps == [format_datetime(row.created_at, "fa") for row in activities]
    assert all(re.search(r"[۰-۹]{4}", stamp) and "14" not in stamp for stamp in stamps)
    assert "بررسی کارشناس" in history
    assert history.count("نام فروشگاه را کامل بنویسید") == 1


def test_detail_shows_stage_handler_and_dates(
    client: Client, ticket: Ticket, agent: User, settings: SettingsWrapper
) -> None:
    team = Team.objects.get(code="licences")
    Ticket.objects.filter(pk=ticket.pk).update(assignee=agent, team=team)
    verify(client, ticket)

    html = client.get(f"/track/{ticket.tracking_code}/").content.decode()
    assert re.search(r'data-testid="handler">Sara<', html)
    assert 'data-testid="promised-at"' in html and 'data-testid="expected-at"' in html
    assert 'data-testid="pause-reason"' not in html

    settings.KHEDMAT_TRACK_HANDLER = "role"
    html = client.get(f"/track/{ticket.tracking_code}/").content.decode()
    assert re.search(r'data-testid="handler">Licences<', html)
    assert "Sara" not in html


def test_without_a_handler_the_responsible_unit_is_shown(client: Client, ticket: Ticket) -> None:
    verify(client, ticket)

    html = client.get(f"/track/{ticket.tracking_code}/").content.decode()

    assert re.search(r'data-testid="handler">اداره صدور مجوز<', html)


def test_detail_query_count_is_the_same_for_3_and_30_history_rows(
    client: Client, ticket: Ticket, django_assert_num_queries: Callable[..., Any]
) -> None:
    ticket = services.start_review(ticket, actor=None)
    ticket = services.return_for_correction(ticket, fields=["shop_name"], note="x", actor=None)
    verify(client, ticket)
    client.get(f"/track/{ticket.tracking_code}/")

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(f"/track/{ticket.tracking_code}/").status_code == 200
        return len(context.captured_queries)

    assert Activity.objects.for_target(ticket).filter(is_public=True).count() == 3
    few = count()
    for number in range(27):
        record_activity(
            ticket,
            "ticket.status_changed",
            old="in_progress",
            new="in_progress",
            data={"stage": f"step {number}"},
            public=True,
        )
    html = client.get(f"/track/{ticket.tracking_code}/").content.decode()
    assert len(re.findall(r"data-status=", html)) == 30
    assert count() == few
    # session, ticket, history, SLA clocks, form rows, documents
    with django_assert_num_queries(6):
        client.get(f"/track/{ticket.tracking_code}/")


def test_an_unknown_or_malformed_detail_address_goes_back_to_the_form(client: Client) -> None:
    for code in (unknown_code(), "not-a-code"):
        response = client.get(f"/track/{code}/")
        assert response.status_code == 302
        assert response["Location"] == f"/track/?code={code}"


# --- correcting and objecting ------------------------------------------------------------------


def test_correction_flow_end_to_end(
    client: Client, submit: Submit, lease_key: str, agent: User, sla_policy: SlaPolicy
) -> None:
    ticket = services.start_review(submit(), actor=agent)
    ticket = services.return_for_correction(
        ticket, fields=["shop_name", lease_key], note="نام و اجاره‌نامه را اصلاح کنید", actor=agent
    )
    verify(client, ticket)

    html = client.get(f"/track/{ticket.tracking_code}/").content.decode()
    correction = html.split('data-testid="correction"')[1].split("</section>")[0]
    assert 'name="shop_name"' in correction and 'value="نانوایی بربری"' in correction
    assert f'name="{lease_key}"' in correction
    assert 'name="opening_date"' not in correction and 'name="photo"' not in correction
    assert "نام و اجاره‌نامه را اصلاح کنید" in correction
    assert re.search(r'data-testid="pause-reason">Waiting for the applicant<', html)
    assert 'data-testid="expected-at"' not in html

    new_lease = pdf_file("lease-2.pdf", PDF + b"% v2\n")
    response = client.post(
        f"/track/{ticket.tracking_code}/correct/",
        {"shop_name": "نانوایی سنگک", "opening_date": "1400/01/01", lease_key: new_lease},
    )

    assert response.status_code == 303
    assert response["Location"] == f"/track/{ticket.tracking_code}/"
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.answers == {"shop_name": "نانوایی سنگک", "opening_date": "2026-03-01"}
    assert ticket.correction_fields == [] and ticket.correction_note == ""
    current = Attachment.objects.get(ticket=ticket, field_key=lease_key, is_current=True)
    assert current.sha256 == hashlib.sha256(PDF + b"% v2\n").hexdigest()
    assert current.uploaded_by_id == ticket.requester_id
    corrected = Activity.objects.for_target(ticket).get(verb="ticket.corrected")
    assert corrected.actor_id == ticket.requester_id
    assert corrected.data == {"fields": sorted(["shop_name", lease_key]), "via": "tracking_code"}
    page = client.get(f"/track/{ticket.tracking_code}/").content.decode()
    assert "Your corrections were sent" in page
    assert 'data-testid="correction"' not in page and 'data-testid="pause-reason"' not in page
    assert "Corrected by the applicant" in page


def test_correction_errors_come_back_on_their_fields(
    client: Client, submit: Submit, lease_key: str
) -> None:
    ticket = services.return_for_correction(
        submit(), fields=["shop_name", lease_key], note="", actor=None
    )
    verify(client, ticket)

    response = client.post(
        f"/track/{ticket.tracking_code}/correct/",
        {"shop_name": "", lease_key: pdf_file("lease.png")},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "This field is required." in html
    assert "lease.png: files of this type are not accepted; allowed: pdf, jpg, png." not in html
    assert "lease.png: the file&#x27;s content is not a png file." in html
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_APPLICANT
    assert ticket.answers["shop_name"] == "نانوایی بربری"


def test_a_signed_in_applicant_corrects_as_themselves(
    client: Client, submit: Submit, citizen: User
) -> None:
    ticket = services.return_for_correction(submit(), fields=["shop_name"], note="", actor=None)
    client.force_login(citizen)

    response = client.post(f"/track/{ticket.tracking_code}/correct/", {"shop_name": "نان تازه"})

    assert response.status_code == 303
    corrected = Activity.objects.for_target(ticket).get(verb="ticket.corrected")
    assert corrected.actor_id == citizen.pk and "via" not in corrected.data


def test_a_visitor_who_did_not_verify_cannot_correct(client: Client, submit: Submit) -> None:
    ticket = services.return_for_correction(submit(), fields=["shop_name"], note="", actor=None)

    response = client.post(f"/track/{ticket.tracking_code}/correct/", {"shop_name": "x"})

    assert response.status_code == 303
    assert response["Location"] == f"/track/?code={ticket.tracking_code}"
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_APPLICANT and ticket.answers["shop_name"] != "x"
    assert not Activity.objects.for_target(ticket).filter(verb="ticket.corrected").exists()


def test_objection_flow(client: Client, ticket: Ticket) -> None:
    ticket = services.reject_request(ticket, reason="اجاره‌نامه منقضی شده است", actor=None)
    verify(client, ticket)

    html = client.get(f"/track/{ticket.tracking_code}/").content.decode()
    objection = html.split('data-testid="objection"')[1].split("</section>")[0]
    assert "اجاره‌نامه منقضی شده است" in objection
    assert 'name="text"' in objection and 'maxlength="2000"' in objection
    history = html.split('data-testid="history"')[1]
    assert history.count("اجاره‌نامه منقضی شده است") == 1

    empty = client.post(f"/track/{ticket.tracking_code}/object/", {"text": ""})
    too_long = client.post(f"/track/{ticket.tracking_code}/object/", {"text": "x" * 2001})
    assert empty.status_code == too_long.status_code == 200
    assert "This field is required." in empty.content.decode()
    assert "Ensure this value has at most 2000 characters" in too_long.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.REJECTED

    response = client.post(f"/track/{ticket.tracking_code}/object/", {"text": "تمدید شده بود"})

    assert response.status_code == 303
    ticket.refresh_from_db()
    assert ticket.status == Status.OBJECTED and ticket.objection_text == "تمدید شده بود"
    moved = Activity.objects.for_target(ticket).filter(verb="ticket.status_changed").first()
    assert moved is not None and moved.new_value == "objected"
    assert moved.data["via"] == "tracking_code" and moved.actor_id == ticket.requester_id
    page = client.get(f"/track/{ticket.tracking_code}/").content.decode()
    assert "Your objection was registered." in page
    assert 'data-testid="objection"' not in page and "تمدید شده بود" in page


def test_objecting_twice_is_refused_with_a_message(client: Client, ticket: Ticket) -> None:
    ticket = services.reject_request(ticket, reason="no", actor=None)
    verify(client, ticket)
    client.post(f"/track/{ticket.tracking_code}/object/", {"text": "first"})

    response = client.post(
        f"/track/{ticket.tracking_code}/object/", {"text": "second"}, follow=True
    )

    assert "This request is not in a state that allows this action." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.objection_text == "first"
