"""Access to requests rests on what is proven, never on a typed national code (issue 20, item 1).

End to end: an impostor logs in with their own mobile, types the national code of someone else on
their profile, and must see none of that person's requests, whoever filed them (a representative
online, an operator at the desk): not on /requests/ or /track/, not the request page, receipt or
PDF; they cannot correct, object or complain; and the API answers the same. The owner, whose line
the fake mobile-line registry lists under the code, verifies it and sees every request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from khedmat.accounts.choices import NationalCodeStatus
from khedmat.accounts.models import User
from khedmat.complaints.models import Complaint
from khedmat.core.digits import fold_digits
from khedmat.integrations.fake_agency import FakeAgencyServer
from khedmat.notifications.choices import MessageKind
from khedmat.notifications.models import Message
from khedmat.tickets import services, walkin
from khedmat.tickets.choices import Capacity, Status
from khedmat.tickets.models import Ticket
from tests.fixtures.accounts import run_national_code_checks
from tests.fixtures.tickets import PDF, Submit, pdf_file, sha256_hex

OWNER_CODE = "2720202551"
OWNER_MOBILE = "09121111111"
IMPOSTOR_MOBILE = "09352222222"
LAWYER_CODE = "1234567891"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("templates")]


# --- helpers -----------------------------------------------------------------------------------


def log_in_by_sms(client: Client, mobile: str) -> None:
    """The real applicant login: the mobile, then the code read from the queued SMS."""
    client.post(reverse("accounts:applicant_login"), {"mobile": mobile})
    e164 = "+98" + mobile[1:]
    message = Message.objects.filter(recipient=e164, kind=MessageKind.OTP).latest("id")
    match = re.search(r"\d{6}", fold_digits(message.body))
    assert match is not None
    response = client.post(reverse("accounts:applicant_code"), {"code": match.group()})
    assert response.status_code == 302


def type_profile(client: Client, national_code: str) -> None:
    response = client.post(
        reverse("accounts:applicant_profile"),
        {"first_name": "Ali", "last_name": "Rahimi", "national_code": national_code},
    )
    assert response.status_code == 302, response.text


def filing(lease_key: str) -> dict[str, Any]:
    """Answers, documents and files of a valid request of the test service."""
    lease = pdf_file()
    return {
        "answers": {"shop_name": "نانوایی بربری", "opening_date": "2026-03-01"},
        "documents": {
            lease_key: [{"name": "lease.pdf", "size": lease.size, "sha256": sha256_hex(PDF)}]
        },
        "files": {lease_key: [lease]},
    }


@pytest.fixture
def lawyer(make_user: Callable[..., User]) -> User:
    return make_user(
        "lawyer",
        roles=["applicant"],
        mobile="+989123333333",
        national_code=LAWYER_CODE,
        first_name="Reza",
        last_name="Vakili",
        password=None,
    )


@pytest.fixture
def registry(mobile_registry: FakeAgencyServer) -> FakeAgencyServer:
    """The owner's national code has one line: the owner's."""
    mobile_registry.app.register_mobile(OWNER_CODE, OWNER_MOBILE)
    return mobile_registry


@pytest.fixture
def owners_requests(
    submit: Submit, lease_key: str, lawyer: User, operator: User, agent: User, service: Any
) -> dict[str, Ticket]:
    """Three requests for the owner's code: two filed by a representative (one returned for a
    correction, one rejected), one filed at the desk by an operator."""
    principal = services.Principal(name="Sara Ahmadi", national_code=OWNER_CODE)
    representation = services.Representation(
        capacity=Capacity.ATTORNEY, name="Reza Vakili", national_code=LAWYER_CODE
    )
    by_lawyer = {
        "requester": lawyer,
        "filed_by": lawyer,
        "principal": principal,
        "representation": representation,
    }
    returned = services.start_review(submit(**by_lawyer), actor=agent)
    returned = services.return_for_correction(
        returned, fields=["shop_name"], note="Fix the name", actor=agent
    )
    rejected = services.reject_request(submit(**by_lawyer), reason="Expired lease", actor=agent)
    at_desk = walkin.submit_walk_in(
        service.current_version,
        applicant=walkin.WalkInApplicant(OWNER_MOBILE, OWNER_CODE, "Sara", "Ahmadi"),
        operator=operator,
        **filing(lease_key),
    )
    return {"returned": returned, "rejected": rejected, "at_desk": at_desk}


def assert_sees_none(client: Client, tickets: dict[str, Ticket], *, has_code: bool) -> None:
    """Every surface of the portal and the API hides the requests, as if they did not exist.
    `has_code`: the account still holds the typed code (else it is asked for one again)."""
    codes = [ticket.tracking_code for ticket in tickets.values()]
    listing = client.get(reverse("tickets:request_list")).text
    track = client.get(reverse("tickets:track")).text
    api_list = client.get("/api/v1/requests/").json()
    # The list says why: requests for a code show once it is verified.
    assert ('data-testid="national-code-note"' in listing) == has_code
    assert api_list["items"] == []
    for code in codes:
        assert code not in listing and code not in track
        detail = client.get(f"/track/{code}/")
        assert (detail.status_code, detail["Location"]) == (302, f"/track/?code={code}")
        assert client.get(reverse("tickets:receipt", args=[code])).status_code == 404
        assert client.get(reverse("tickets:receipt_pdf", args=[code])).status_code == 404
        assert client.get(f"/api/v1/requests/{code}").status_code == 404
    returned, rejected = tickets["returned"], tickets["rejected"]
    correct = client.post(f"/track/{returned.tracking_code}/correct/", {"shop_name": "Mine now"})
    assert correct.status_code == 303
    objection = client.post(f"/track/{rejected.tracking_code}/object/", {"text": "I object"})
    assert objection.status_code == 303
    page = client.post(
        reverse("complaints:complaint_new"),
        {"ticket": returned.pk, "subject": "Slow", "text": "Too slow for my request."},
    )
    if has_code:
        assert page.status_code == 200 and "ticket" in page.context["form"].errors  # no choice
    else:
        assert page["Location"].startswith(reverse("accounts:applicant_profile"))
    api_complaint = client.post(
        "/api/v1/complaints/",
        {"request_code": rejected.tracking_code, "subject": "Slow", "text": "Too slow."},
        content_type="application/json",
    )
    assert api_complaint.status_code == (404 if has_code else 403)  # 403: no profile now
    # Nothing happened to the requests.
    returned.refresh_from_db()
    rejected.refresh_from_db()
    assert returned.status == Status.WAITING_APPLICANT
    assert returned.answers["shop_name"] == "نانوایی بربری"
    assert rejected.status == Status.REJECTED and rejected.objection_text == ""
    assert not Complaint.objects.exists()


# --- the test ------------------------------------------------------------------------------------


def test_an_impostor_who_types_someones_national_code_sees_none_of_their_requests(
    registry: FakeAgencyServer,
    lawyer: User,
    operator: User,
    agent: User,
    submit: Submit,
    lease_key: str,
    service: Any,
    request: pytest.FixtureRequest,
) -> None:
    impostor = Client()
    log_in_by_sms(impostor, IMPOSTOR_MOBILE)
    type_profile(impostor, OWNER_CODE)  # accepted, unverified: it proves nothing
    account = User.objects.get(mobile="+98" + IMPOSTOR_MOBILE[1:])
    assert account.national_code_status == NationalCodeStatus.PENDING

    # Requests for the owner's code are filed by others, one at the desk: the impostor's typed
    # code does not stop the operator (the owner is not locked out of their own code).
    tickets = request.getfixturevalue("owners_requests")

    assert_sees_none(impostor, tickets, has_code=True)  # while their check is pending

    run_national_code_checks()  # the registry: the impostor's line is not the owner's
    account.refresh_from_db()
    assert account.national_code_status == NationalCodeStatus.UNVERIFIED
    assert account.national_code is None  # released when the owner's code was verified
    assert_sees_none(impostor, tickets, has_code=False)

    # The owner logs in with their own mobile: their code (given at the desk) is verified, and
    # they see the requests a representative filed for them as well as the one filed at the desk.
    owner = Client()
    log_in_by_sms(owner, OWNER_MOBILE)
    owner_account = User.objects.get(mobile="+98" + OWNER_MOBILE[1:])
    assert owner_account.verified_national_code == OWNER_CODE
    listing = owner.get(reverse("tickets:request_list")).text
    api_codes = {item["tracking_code"] for item in owner.get("/api/v1/requests/").json()["items"]}
    for ticket in tickets.values():
        assert ticket.tracking_code in listing
        assert owner.get(f"/track/{ticket.tracking_code}/").status_code == 200
        assert owner.get(reverse("tickets:receipt", args=[ticket.tracking_code])).status_code == 200
    assert api_codes == {ticket.tracking_code for ticket in tickets.values()}


# --- each point on its own ------------------------------------------------------------------------


def test_a_typed_code_opens_nothing_and_a_verified_one_opens_requests_filed_for_it(
    submit: Submit, lawyer: User, make_user: Callable[..., User], verify_national_code: Any
) -> None:
    ticket = submit(
        requester=lawyer,
        filed_by=lawyer,
        principal=services.Principal(name="Sara Ahmadi", national_code=OWNER_CODE),
    )
    person = make_user("person", mobile="+989121111111", national_code=OWNER_CODE, password=None)

    assert not Ticket.objects.visible_to_applicant(person).exists()
    assert not services.can_follow(ticket, person)

    verify_national_code(person)
    assert list(Ticket.objects.visible_to_applicant(person)) == [ticket]
    assert services.can_follow(ticket, person)


def test_the_account_that_filed_follows_its_request_without_any_verified_code(
    submit: Submit, make_user: Callable[..., User]
) -> None:
    filer = make_user("filer", mobile="+989124444444", password=None)
    ticket = submit(requester=filer, filed_by=filer)
    assert list(Ticket.objects.visible_to_applicant(filer)) == [ticket]
    assert services.can_follow(ticket, filer)
