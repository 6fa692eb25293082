"""Requests API under /api/v1/requests/: file (JSON and multipart), list, follow, track."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from khedmat.accounts.models import User
from khedmat.catalog.models import Service
from khedmat.core.services import record_personal_data_view
from khedmat.core.tracking import damm_check_digit
from khedmat.notifications.models import Message
from khedmat.tickets import services
from khedmat.tickets.choices import IntakeChannel, Status
from khedmat.tickets.models import Attachment, Ticket
from tests.fixtures.catalog import MakeService
from tests.fixtures.tickets import FORM_FIELDS, PDF, PNG, Submit, pdf_file, png_file, run_follow_ups

pytestmark = pytest.mark.django_db

URL = "/api/v1/requests/"
TRACK = "/api/v1/requests/track"
OTHER_NATIONAL_CODE = "0023456787"


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def descriptor(name: str, content: bytes) -> dict[str, Any]:
    return {"name": name, "size": len(content), "sha256": sha(content)}


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Each test starts with an empty cache (rate-limit counters are rows, rolled back)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def plain_service(make_service: MakeService, templates: None) -> Service:
    """A published service whose form asks for no file: filed with JSON alone."""
    return make_service("13061709000", rows={"form_fields": FORM_FIELDS, "documents": []})


@pytest.fixture
def citizen_client(client: Client, citizen: User) -> Client:
    client.force_login(citizen)
    return client


@pytest.fixture
def other(make_user: Callable[..., User]) -> User:
    return make_user(
        "other",
        first_name="علی",
        last_name="رضایی",
        mobile="+989121111111",
        national_code=OTHER_NATIONAL_CODE,
        password=None,
    )


def post_json(client: Client, body: Any, **headers: str) -> Any:
    return client.post(URL, json.dumps(body), content_type="application/json", headers=headers)


def plain_body(**overrides: Any) -> dict[str, Any]:
    return {
        "service_code": "13061709000",
        "answers": {"shop_name": "نانوایی بربری", "opening_date": "2026-03-01"},
        **overrides,
    }


def multipart_body(payload: dict[str, Any], **files: Any) -> dict[str, Any]:
    return {"payload": json.dumps(payload), **files}


# --- OpenAPI ------------------------------------------------------------------------------------


def test_the_request_endpoints_are_in_the_openapi_document(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    assert {"/api/v1/requests/", "/api/v1/requests/{code}", "/api/v1/requests/track"} <= set(paths)
    submit = paths["/api/v1/requests/"]["post"]
    assert submit["summary"] == "File a request"
    assert submit["tags"] == ["requests"]
    assert set(submit["responses"]) == {"200", "201", "403", "404", "422", "429"}
    assert set(submit["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    body = submit["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["service_code"]
    assert body["properties"]["principal"]["anyOf"][0]["required"] == ["name", "national_code"]
    assert "$ref" not in json.dumps(body)
    assert [p["name"] for p in submit["parameters"]] == ["Idempotency-Key"]
    assert submit["security"] == [{"SessionAuth": []}]
    assert paths["/api/v1/requests/"]["get"]["summary"] == "My requests"
    detail = paths["/api/v1/requests/{code}"]["get"]
    assert detail["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RequestDetailOut"
    }
    assert "security" not in paths["/api/v1/requests/track"]["post"]


# --- filing with JSON ---------------------------------------------------------------------------


def test_an_applicant_files_a_request_with_json(
    citizen_client: Client, citizen: User, plain_service: Service
) -> None:
    response = post_json(citizen_client, plain_body())

    assert response.status_code == 201, response.content
    body = response.json()
    ticket = Ticket.objects.get()
    assert body == {
        "tracking_code": ticket.tracking_code,
        "status": "submitted",
        "status_label": "Submitted",
        "stage": "Submitted",
        "submitted_at": body["submitted_at"],
        "promised_at": body["promised_at"],
        "receipt_url": f"/requests/{ticket.tracking_code}/receipt/",
        "track_url": f"http://127.0.0.1:8000/track/?code={ticket.tracking_code}",
    }
    assert body["promised_at"] is not None and body["promised_at"] > body["submitted_at"]
    assert ticket.answers == {"shop_name": "نانوایی بربری", "opening_date": "2026-03-01"}
    assert (ticket.requester, ticket.filed_by, ticket.channel) == (
        citizen,
        citizen,
        IntakeChannel.API,
    )
    assert (ticket.principal_name, ticket.principal_national_code) == ("زهرا کریمی", "0013542419")
    assert ticket.representative_capacity == ""
    assert ticket.language == "en"
    assert Message.objects.count() == 0  # the SMS follows in a job, after the commit
    assert run_follow_ups() == 1
    (message,) = Message.objects.filter(event="request_submitted")
    assert ticket.tracking_code in message.body


def test_the_same_idempotency_key_files_once(
    citizen_client: Client, plain_service: Service
) -> None:
    first = post_json(citizen_client, plain_body(), **{"Idempotency-Key": "app-42"})
    again = post_json(citizen_client, plain_body(), **{"Idempotency-Key": "app-42"})
    in_body = post_json(citizen_client, plain_body(submission_key="app-42"))

    assert (first.status_code, again.status_code, in_body.status_code) == (201, 200, 200)
    assert first.json()["tracking_code"] == again.json()["tracking_code"]
    assert in_body.json()["tracking_code"] == first.json()["tracking_code"]
    assert Ticket.objects.get().submission_key == "app-42"
    assert run_follow_ups() == 1  # one job for the one request
    assert Message.objects.filter(event="request_submitted").count() == 1


def test_a_retry_after_the_daily_cap_or_a_closed_service_still_gets_its_request(
    citizen_client: Client, plain_service: Service, settings: Any
) -> None:
    settings.KHEDMAT_MAX_REQUESTS_PER_DAY = 1
    first = post_json(citizen_client, plain_body(), **{"Idempotency-Key": "app-43"})
    again = post_json(citizen_client, plain_body(), **{"Idempotency-Key": "app-43"})
    other = post_json(citizen_client, plain_body(), **{"Idempotency-Key": "app-44"})
    plain_service.is_published = False
    plain_service.save(update_fields=["is_published"])
    closed = post_json(citizen_client, plain_body(), **{"Idempotency-Key": "app-43"})

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 429)
    assert again.json()["tracking_code"] == first.json()["tracking_code"]
    assert closed.status_code in (200, 404)  # a closed service is not found by code any more
    assert Ticket.objects.count() == 1


def test_a_submission_costs_a_fixed_number_of_queries(
    citizen_client: Client, plain_service: Service, django_assert_num_queries: Any
) -> None:
    post_json(citizen_client, plain_body())  # the card version and calendars are read once

    # session, user, groups, the service in force; the savepoint, the daily cap (lock and count),
    # the calendar revision (tests read it every time; a process reads it once a second), the
    # request, its Activity row, the SLA policies, the job row, the savepoint's release. No
    # look-up of the idempotency key: its unique constraint catches a retry.
    with django_assert_num_queries(12):
        response = post_json(citizen_client, plain_body(), **{"Idempotency-Key": "app-45"})

    assert response.status_code == 201


def test_an_overlong_idempotency_key_is_refused(
    citizen_client: Client, plain_service: Service
) -> None:
    response = post_json(citizen_client, plain_body(), **{"Idempotency-Key": "k" * 65})

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "Idempotency-Key": ["Use a key of at most 64 printable characters."]
    }
    assert Ticket.objects.count() == 0


def test_answers_that_do_not_fit_give_every_error_by_path(
    citizen_client: Client, service: Service, lease_key: str, templates: None
) -> None:
    response = post_json(
        citizen_client,
        {"service_code": "17041325104", "answers": {"opening_date": "soon", "colour": "red"}},
    )

    assert response.status_code == 422
    assert response.json() == {
        "detail": "Some answers need your attention.",
        "errors": {
            "colour": ["This form has no such field."],
            "shop_name": ["This field is required."],
            "opening_date": ["Enter a real date such as 1405/01/31."],
            lease_key: ["This field is required."],
        },
    }
    assert Ticket.objects.count() == 0
    assert Message.objects.count() == 0


def test_a_malformed_body_is_a_422_with_paths(
    citizen_client: Client, plain_service: Service
) -> None:
    not_json = citizen_client.post(URL, "{", content_type="application/json")
    wrong_shape = post_json(citizen_client, {"answers": [], "principal": {"name": "x"}})

    assert not_json.status_code == 422
    assert not_json.json()["errors"] == {"__all__": ["The request is not valid JSON."]}
    assert wrong_shape.status_code == 422
    assert wrong_shape.json()["errors"] == {
        "service_code": ["This field is required."],
        "answers": ["Enter a valid value."],
        "principal.national_code": ["This field is required."],
    }


def test_an_unknown_or_unpublished_service_is_404(
    citizen_client: Client, make_service: MakeService, templates: None
) -> None:
    make_service("10011146000", publish=False, rows={"form_fields": FORM_FIELDS, "documents": []})

    unknown = post_json(citizen_client, plain_body(service_code="99999999999"))
    unpublished = post_json(citizen_client, plain_body(service_code="10011146000"))

    assert (unknown.status_code, unpublished.status_code) == (404, 404)
    assert unknown.json() == {"detail": "There is no published service with this code."}
    assert unpublished.json() == unknown.json()
    assert Ticket.objects.count() == 0


def test_a_service_not_taking_online_requests_is_refused(
    citizen_client: Client, make_service: MakeService, templates: None
) -> None:
    make_service(
        "13061709000",
        rows={
            "form_fields": FORM_FIELDS,
            "documents": [],
            "stages": [{"stage": "request", "is_electronic": False, "channels": ["in_person"]}],
        },
    )

    response = post_json(citizen_client, plain_body())

    assert response.status_code == 403
    assert response.json() == {"detail": "This service does not take online applications."}
    assert Ticket.objects.count() == 0


def test_an_applicant_without_a_complete_profile_is_refused(
    client: Client, make_user: Callable[..., User], plain_service: Service
) -> None:
    client.force_login(make_user("newcomer", mobile="+989120000000", password=None))

    response = post_json(client, plain_body())

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Complete your profile (name and national code) before applying."
    }
    assert Ticket.objects.count() == 0


# --- whom the request is for --------------------------------------------------------------------


def test_filing_for_someone_else_needs_the_capacity(
    citizen_client: Client, citizen: User, plain_service: Service
) -> None:
    principal = {"name": "علی رضایی", "national_code": "۰۰۲۳۴۵۶۷۸۷", "mobile": "09121111111"}

    missing = post_json(citizen_client, plain_body(principal=principal))
    own_code = post_json(
        citizen_client,
        plain_body(
            principal={**principal, "national_code": "0013542419"},
            representation={"capacity": "attorney"},
        ),
    )
    filed = post_json(
        citizen_client, plain_body(principal=principal, representation={"capacity": "attorney"})
    )

    assert missing.status_code == 422
    assert missing.json()["errors"] == {"representation.capacity": ["This field is required."]}
    assert own_code.status_code == 422
    assert list(own_code.json()["errors"]) == ["principal.national_code"]
    assert filed.status_code == 201
    ticket = Ticket.objects.get()
    assert (ticket.principal_name, ticket.principal_national_code, ticket.principal_mobile) == (
        "علی رضایی",
        OTHER_NATIONAL_CODE,
        "+989121111111",
    )
    assert (ticket.representative_name, ticket.representative_national_code) == (
        "زهرا کریمی",
        "0013542419",
    )
    assert ticket.representative_capacity == "attorney"
    assert ticket.requester == citizen


def test_a_representation_without_a_principal_is_refused(
    citizen_client: Client, plain_service: Service
) -> None:
    response = post_json(citizen_client, plain_body(representation={"capacity": "attorney"}))

    assert response.status_code == 422
    assert response.json()["errors"] == {"principal": ["Say whom you file for."]}


# --- filing with files --------------------------------------------------------------------------


def test_multipart_files_are_stored_with_their_sha256(
    citizen_client: Client, service: Service, lease_key: str, templates: None
) -> None:
    payload = {
        "service_code": "17041325104",
        "answers": {"shop_name": "نانوایی بربری", "photo": [descriptor("front.png", PNG)]},
        "documents": {lease_key: [descriptor("lease.pdf", PDF)]},
    }

    response = citizen_client.post(
        URL, multipart_body(payload, photo=png_file(), **{lease_key: pdf_file()})
    )

    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(tracking_code=response.json()["tracking_code"])
    stored = {
        (item.field_key, item.original_name, item.sha256) for item in ticket.attachments.all()
    }
    assert stored == {("photo", "front.png", sha(PNG)), (lease_key, "lease.pdf", sha(PDF))}
    lease = ticket.attachments.get(field_key=lease_key)
    with lease.file.open("rb") as handle:
        assert handle.read() == PDF
    assert ticket.documents[lease_key][0]["sha256"] == sha(PDF)


def test_files_must_match_their_descriptions(
    citizen_client: Client, service: Service, lease_key: str, templates: None
) -> None:
    payload = {
        "service_code": "17041325104",
        "answers": {"shop_name": "نانوایی بربری"},
        "documents": {lease_key: [descriptor("lease.pdf", PDF)]},
    }
    tampered = pdf_file(content=PDF + b"tampered")

    response = citizen_client.post(URL, multipart_body(payload, **{lease_key: tampered}))

    assert response.status_code == 422
    assert response.json()["errors"] == {
        lease_key: [
            "lease.pdf: the file is described but was not uploaded.",
            "lease.pdf: no file description has this file's SHA-256.",
        ]
    }
    assert Ticket.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_a_description_without_its_file_is_refused(
    citizen_client: Client, service: Service, lease_key: str, templates: None
) -> None:
    response = post_json(
        citizen_client,
        {
            "service_code": "17041325104",
            "answers": {"shop_name": "نانوایی بربری"},
            "documents": {lease_key: [descriptor("lease.pdf", PDF)]},
        },
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {
        lease_key: ["lease.pdf: the file is described but was not uploaded."]
    }
    assert Ticket.objects.count() == 0


def test_a_file_whose_bytes_are_not_its_type_is_refused(
    citizen_client: Client, service: Service, lease_key: str, templates: None
) -> None:
    payload = {
        "service_code": "17041325104",
        "answers": {"shop_name": "نانوایی بربری"},
        "documents": {lease_key: [descriptor("lease.pdf", PNG)]},
    }

    response = citizen_client.post(
        URL, multipart_body(payload, **{lease_key: pdf_file(content=PNG)})
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {
        lease_key: ["lease.pdf: the file's content is not a pdf file."]
    }
    assert Ticket.objects.count() == 0


def test_a_multipart_request_needs_its_payload_part(
    citizen_client: Client, service: Service, lease_key: str
) -> None:
    response = citizen_client.post(URL, {lease_key: pdf_file()})

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "payload": ["Send the request as JSON in a part named payload."]
    }


# --- who may file -------------------------------------------------------------------------------


def test_anonymous_callers_get_401_and_nothing_is_filed(
    client: Client, plain_service: Service, submit: Submit
) -> None:
    ticket = submit()

    responses = [
        post_json(client, plain_body()),
        client.get(URL),
        client.get(f"{URL}{ticket.tracking_code}"),
    ]

    assert [response.status_code for response in responses] == [401, 401, 401]
    assert Ticket.objects.count() == 1


def test_a_session_post_needs_the_csrf_token(citizen: User, plain_service: Service) -> None:
    client = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    client.force_login(citizen)
    client.get("/api/v1/version")  # no token cookie yet: get one the usual way
    client.cookies["csrftoken"] = token = "a" * 32

    refused = post_json(client, plain_body())
    accepted = post_json(client, plain_body(), **{"X-CSRFToken": token})

    assert refused.status_code == 403
    assert accepted.status_code == 201
    assert Ticket.objects.count() == 1


def test_staff_cannot_file_for_themselves(
    client: Client, agent: User, verified_login: Any, plain_service: Service
) -> None:
    verified_login(client, agent)

    response = post_json(client, plain_body())

    assert response.status_code == 403
    assert response.json() == {
        "detail": 'Staff file requests for walk-in applicants: send "channel": "in_person".'
    }
    assert Ticket.objects.count() == 0


# --- walk-in (R-14) -----------------------------------------------------------------------------


WALK_IN = {
    "mobile": "09123334444",
    "national_code": "1234567891",
    "first_name": "مریم",
    "last_name": "احمدی",
}


def test_an_operator_files_for_a_walk_in_applicant(
    client: Client, operator: User, verified_login: Any, plain_service: Service
) -> None:
    verified_login(client, operator)

    response = post_json(client, plain_body(channel="in_person", applicant=WALK_IN))

    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    assert ticket.channel == IntakeChannel.IN_PERSON
    assert ticket.filed_by == operator
    assert (ticket.requester.mobile, ticket.requester.national_code) == (
        "+989123334444",
        "1234567891",
    )
    assert (ticket.principal_name, ticket.principal_national_code) == ("مریم احمدی", "1234567891")


def test_a_walk_in_needs_the_permission_channel_and_a_valid_applicant(
    client: Client,
    operator: User,
    agent: User,
    verified_login: Any,
    plain_service: Service,
) -> None:
    verified_login(client, agent)
    forbidden = post_json(client, plain_body(channel="in_person", applicant=WALK_IN))
    verified_login(client, operator)
    no_channel = post_json(client, plain_body(applicant=WALK_IN))
    bad_code = post_json(
        client,
        plain_body(channel="in_person", applicant={**WALK_IN, "national_code": "1234567890"}),
    )

    assert forbidden.status_code == 403
    assert forbidden.json() == {"detail": "You are not allowed to do this for this request."}
    assert no_channel.status_code == 422
    assert list(no_channel.json()["errors"]) == ["channel"]
    assert bad_code.status_code == 422
    assert list(bad_code.json()["errors"]) == ["applicant.national_code"]
    assert Ticket.objects.count() == 0
    assert not User.objects.filter(mobile="+989123334444").exists()


# --- my requests --------------------------------------------------------------------------------


def test_my_requests_are_listed_newest_first_with_a_cursor(
    citizen_client: Client, submit: Submit, other: User
) -> None:
    tickets = [submit() for _ in range(3)]
    submit(
        requester=other,
        filed_by=other,
        principal=services.Principal(
            name="علی رضایی",
            national_code=OTHER_NATIONAL_CODE,
        ),
    )

    first = citizen_client.get(URL, {"limit": 2}).json()
    second = citizen_client.get(URL, {"limit": 2, "after": first["next"]}).json()

    newest = [ticket.tracking_code for ticket in reversed(tickets)]
    assert [item["tracking_code"] for item in first["items"]] == newest[:2]
    assert [item["tracking_code"] for item in second["items"]] == newest[2:]
    assert second["next"] is None
    assert first["items"][0] == {
        "tracking_code": newest[0],
        "service": {"code": "17041325104", "title": "Business licence"},
        "status": "submitted",
        "status_label": "Submitted",
        "stage": "Submitted",
        "submitted_at": first["items"][0]["submitted_at"],
        "promised_at": first["items"][0]["promised_at"],
        "receipt_url": f"/requests/{newest[0]}/receipt/",
    }


def test_the_list_costs_the_same_queries_whatever_the_page_size(
    citizen_client: Client, submit: Submit
) -> None:
    for _ in range(6):
        submit()

    counts = []
    for limit in (1, 6):
        with CaptureQueriesContext(connection) as queries:
            response = citizen_client.get(URL, {"limit": limit})
        assert len(response.json()["items"]) == limit
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert counts[1] <= 4


def test_bad_cursors_and_limits_are_refused(citizen_client: Client, citizen: User) -> None:
    bad_cursor = citizen_client.get(URL, {"after": "abc"})
    assert bad_cursor.status_code == 400
    assert bad_cursor.json() == {
        "detail": "This page link is not valid; start again from the first page."
    }
    for limit in (0, 101):
        response = citizen_client.get(URL, {"limit": limit})
        assert response.status_code == 422, limit
        assert response.json()["detail"] == "The request does not have the expected shape."


def test_the_default_page_is_20_and_the_pages_cover_every_request_once_in_order(
    citizen_client: Client, submit: Submit, settings: Any
) -> None:
    settings.KHEDMAT_MAX_REQUESTS_PER_DAY = 0  # 23 filings by one applicant
    tickets = [submit() for _ in range(23)]
    tied = tickets[5].submitted_at  # a third of them filed at the same moment
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[::3]]).update(submitted_at=tied)
    rows = Ticket.objects.order_by("-submitted_at", "-id").values_list("tracking_code", flat=True)

    first = citizen_client.get(URL).json()
    seen = [item["tracking_code"] for item in first["items"]]
    after = first["next"]
    while after:
        page = citizen_client.get(URL, {"limit": 2, "after": after}).json()
        seen += [item["tracking_code"] for item in page["items"]]
        after = page["next"]

    assert len(first["items"]) == 20
    assert seen == list(rows)
    assert len(set(seen)) == 23


# --- one request --------------------------------------------------------------------------------


def test_a_request_shows_its_stage_dates_and_history(
    citizen_client: Client, submit: Submit, agent: User
) -> None:
    ticket = submit()
    services.start_review(ticket, actor=agent, stage_title="Document check")
    services.return_for_correction(
        ticket, fields=["shop_name"], note="Write the name on the licence", actor=agent
    )

    response = citizen_client.get(f"{URL}{ticket.tracking_code}")

    assert response.status_code == 200
    body = response.json()
    ticket.refresh_from_db()
    assert {key: body[key] for key in ("status", "status_label", "stage", "pause_reason")} == {
        "status": "waiting_applicant",
        "status_label": "Returned to the applicant for correction",
        "stage": "Document check",
        "pause_reason": "Waiting for the applicant",
    }
    assert body["expected_at"] is None
    assert body["service"] == {"code": "17041325104", "title": "Business licence"}
    assert [(entry["status"], entry["stage"], entry["note"]) for entry in body["history"]] == [
        ("submitted", "", ""),
        ("in_progress", "Document check", ""),
        ("waiting_applicant", "Document check", "Write the name on the licence"),
    ]
    assert [entry["title"] for entry in body["history"]] == [
        "Submitted",
        "Under review",
        "Returned to the applicant for correction",
    ]


def test_someone_elses_request_is_404_like_an_unknown_code(
    client: Client, submit: Submit, other: User
) -> None:
    ticket = submit()
    client.force_login(other)

    theirs = client.get(f"{URL}{ticket.tracking_code}")
    body = ticket.tracking_code[:-2]
    unknown_code = body + str((int(ticket.tracking_code[-2]) + 1) % 10)
    unknown = client.get(f"{URL}{unknown_code}{damm_check_digit(unknown_code)}")
    bad_check_digit = client.get(f"{URL}{body}{ticket.tracking_code[-2]}x")

    assert (theirs.status_code, unknown.status_code, bad_check_digit.status_code) == (404, 404, 404)
    assert theirs.json() == unknown.json() == bad_check_digit.json()
    assert theirs.json() == {
        "detail": "There is no request with this tracking code for you to follow."
    }


def test_the_principal_follows_a_request_filed_for_them(
    client: Client,
    submit: Submit,
    other: User,
    citizen: User,
    verify_national_code: Callable[[User], User],
) -> None:
    verify_national_code(other)  # their national code is proven theirs
    ticket = submit(
        principal=services.Principal(name="علی رضایی", national_code=OTHER_NATIONAL_CODE),
        representation=services.Representation(
            capacity="attorney", name="زهرا کریمی", national_code="0013542419"
        ),
    )
    client.force_login(other)

    assert client.get(f"{URL}{ticket.tracking_code}").status_code == 200
    assert [item["tracking_code"] for item in client.get(URL).json()["items"]] == [
        ticket.tracking_code
    ]


# --- public tracking ----------------------------------------------------------------------------


def track(client: Client, code: str, national_code: str, **headers: str) -> Any:
    body = json.dumps({"tracking_code": code, "national_code": national_code})
    return client.post(TRACK, body, content_type="application/json", headers=headers)


def test_tracking_by_code_and_national_code_shows_the_request(
    client: Client, citizen_client: Client, submit: Submit
) -> None:
    ticket = submit()
    spaced = f"{ticket.tracking_code[:4]} {ticket.tracking_code[4:]}"

    response = track(Client(headers={"accept-language": "en"}), spaced, "۰۰۱۳۵۴۲۴۱۹")

    assert response.status_code == 200
    assert response.json() == citizen_client.get(f"{URL}{ticket.tracking_code}").json()
    assert response.json()["history"][0]["title"] == "Submitted"


def test_tracking_failures_look_alike(client: Client, submit: Submit) -> None:
    ticket = submit()
    code = ticket.tracking_code
    other_code = code[:-2] + str((int(code[-2]) + 1) % 10)
    other_code += damm_check_digit(other_code)

    responses = [
        track(client, code, OTHER_NATIONAL_CODE),
        track(client, other_code, "0013542419"),
        track(client, code[:-1] + str((int(code[-1]) + 1) % 10), "0013542419"),
        track(client, code, ""),
    ]

    assert [response.status_code for response in responses] == [404, 404, 404, 404]
    assert len({response.content for response in responses}) == 1
    assert responses[0].json() == {
        "detail": "No request matches this tracking code and national code."
    }


def test_tracking_failures_are_limited_per_address_then_refused(
    client: Client, submit: Submit, settings: Any
) -> None:
    settings.KHEDMAT_TRACK_MAX_FAILURES_PER_IP = 3
    ticket = submit()

    failures = [track(client, "123", "0013542419").status_code for _ in range(3)]
    refused = track(client, ticket.tracking_code, "0013542419")
    elsewhere = track(client, ticket.tracking_code, "0013542419", **{"X-Forwarded-For": "1.2.3.4"})

    assert failures == [404, 404, 404]
    assert refused.status_code == 429
    assert refused.json() == {"detail": "Too many failed attempts. Try again in 15 minutes."}
    assert 890 <= int(refused["Retry-After"]) <= 900
    assert elsewhere.status_code == 429  # the header is not trusted without a proxy


def test_tracking_failures_are_limited_per_address_and_code(
    client: Client, submit: Submit, settings: Any
) -> None:
    settings.KHEDMAT_TRACK_MAX_FAILURES_PER_CODE = 2
    settings.KHEDMAT_TRUSTED_PROXY_COUNT = 1
    ticket = submit()
    attacker = {"X-Forwarded-For": "10.0.0.1"}

    wrong = [track(client, ticket.tracking_code, OTHER_NATIONAL_CODE, **attacker) for _ in "ab"]
    again = track(client, ticket.tracking_code, "0013542419", **attacker)
    right = track(client, ticket.tracking_code, "0013542419", **{"X-Forwarded-For": "10.0.0.3"})

    assert [response.status_code for response in wrong] == [404, 404]
    assert again.status_code == 429
    assert again.json() == {"detail": "Too many failed attempts. Try again in 15 minutes."}
    assert right.status_code == 200  # the applicant at another address is not locked out


def test_a_cached_tracking_answer_is_kept_per_language(
    client: Client, submit: Submit, settings: Any
) -> None:
    ticket = submit()

    english = track(client, ticket.tracking_code, "0013542419")
    persian = track(client, ticket.tracking_code, "0013542419", **{"Accept-Language": "fa"})
    settings.KHEDMAT_TRACK_CACHE_SECONDS = 0
    uncached = track(client, ticket.tracking_code, "0013542419", **{"Accept-Language": "fa"})

    assert english.json()["status_label"] != persian.json()["status_label"]
    assert persian.json()["status_label"] == "ثبت‌شده"
    assert uncached.content == persian.content


def test_the_representative_tracks_with_their_own_national_code(
    client: Client, submit: Submit
) -> None:
    ticket = submit(
        principal=services.Principal(name="علی رضایی", national_code=OTHER_NATIONAL_CODE),
        representation=services.Representation(
            capacity="attorney", name="زهرا کریمی", national_code="0013542419"
        ),
    )

    assert track(client, ticket.tracking_code, OTHER_NATIONAL_CODE).status_code == 200
    assert track(client, ticket.tracking_code, "0013542419").status_code == 200
    assert track(client, ticket.tracking_code, "0012345679").status_code == 404


def test_with_a_shared_cache_one_process_answer_serves_the_others(
    client: Client,
    submit: Submit,
    agent: User,
    django_assert_num_queries: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from khedmat.tickets.api import track as track_api

    monkeypatch.setattr(track_api, "shares_answers", lambda: True)  # as with Redis
    ticket = submit()

    first = track(client, ticket.tracking_code, "0013542419")
    track_api.ANSWERS.clear()  # another process: nothing of its own yet
    with django_assert_num_queries(1):  # the revision and counters; the answer is shared
        elsewhere = track(client, ticket.tracking_code, "0013542419")
    services.add_note(ticket, "مدارک رسید", actor=agent, public=True)
    track_api.ANSWERS.clear()
    with django_assert_num_queries(4):  # a new revision: read and answered again
        changed = track(client, ticket.tracking_code, "0013542419")

    assert elsewhere.content == first.content
    assert changed.json()["history"][-1]["note"] == "مدارک رسید"


def test_tracking_reads_the_answer_once_per_revision(
    client: Client, submit: Submit, agent: User, django_assert_num_queries: Any
) -> None:
    ticket = submit()
    services.start_review(ticket, actor=None)

    # the request's revision and the client's failure counters, then what the answer shows:
    # the request, its SLA clocks, its public history
    with django_assert_num_queries(4):
        first = track(client, ticket.tracking_code, "0013542419")
    # unchanged since: that first query, the answer from the cache
    with django_assert_num_queries(1):
        again = track(client, ticket.tracking_code, "0013542419")
    # staff opening the record (audited) change nothing the applicant sees: still cached
    record_personal_data_view(ticket, actor=agent)
    with django_assert_num_queries(1):
        track(client, ticket.tracking_code, "0013542419")
    services.add_note(ticket, "مدارک رسید", actor=agent, public=True)
    with django_assert_num_queries(4):
        changed = track(client, ticket.tracking_code, "0013542419")

    assert again.content == first.content
    assert changed.json()["history"][-1]["note"] == "مدارک رسید"
    assert len(changed.json()["history"]) == len(first.json()["history"]) + 1
    assert first.json()["status"] == Status.IN_PROGRESS
