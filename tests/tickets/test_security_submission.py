"""Abuse limits of filing (issue 20): SMS only to verified mobiles, a daily cap per filer, no
orphaned files after a rolled-back submission, a total size per submission."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts.models import User
from khedmat.catalog.formbuilder import InvalidAnswers
from khedmat.catalog.models import Service
from khedmat.core.models import Activity
from khedmat.notifications.models import Message
from khedmat.processes import services as processes
from khedmat.tickets import services, walkin
from khedmat.tickets.choices import Capacity, IntakeChannel
from khedmat.tickets.errors import DailyLimitError
from khedmat.tickets.models import Attachment, StagedUpload, Ticket
from tests.fixtures.tickets import FORM_FIELDS, PDF, Submit, pdf_file, run_follow_ups
from tests.tickets.helpers import APPLY, OTHER_CODE, kept_tokens, valid_data

pytestmark = pytest.mark.django_db

API = "/api/v1/requests/"
CITIZEN_MOBILE = "+989121234567"
TYPED_MOBILE = "+989351234567"  # typed by the representative for the principal: not verified
NOON = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)
#: A process that cannot start: its only way out of the first gateway is never taken.
DEAD_END_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Definitions_dead_end"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="dead_end" name="Dead end" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:exclusiveGateway id="Gateway_1">
      <bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:endEvent id="EndEvent_1"><bpmn:incoming>Flow_2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Gateway_1" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Gateway_1" targetRef="EndEvent_1">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">shop_name == "no such shop"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture(autouse=True)
def media(settings: SettingsWrapper, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def signed_in(client: Client, citizen: User, service: Service, templates: None) -> Client:
    client.force_login(citizen)
    return client


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def big_pdf(name: str, kilobytes: int) -> Any:
    return pdf_file(name, PDF + b"0" * (kilobytes * 1024))


def recipients() -> list[str]:
    return sorted(Message.objects.values_list("recipient", flat=True))


def for_someone_else(**overrides: str) -> dict[str, str]:
    return {
        "rep-on_behalf": "on",
        "rep-principal_kind": "person",
        "rep-principal_name": "حسن کریمی",
        "rep-principal_code": OTHER_CODE,
        "rep-principal_mobile": "09351234567",
        "rep-capacity": Capacity.GUARDIAN,
        **overrides,
    }


def api_body(**overrides: Any) -> dict[str, Any]:
    return {
        "service_code": "13061709000",
        "answers": {"shop_name": "نانوایی بربری"},
        **overrides,
    }


@pytest.fixture
def plain_service(make_service: Callable[..., Service], templates: None) -> Service:
    """A published service whose form asks for no file (filed with JSON alone)."""
    return make_service("13061709000", rows={"form_fields": FORM_FIELDS, "documents": []})


def post_json(client: Client, body: Any, **headers: str) -> Any:
    return client.post(API, json.dumps(body), content_type="application/json", headers=headers)


# --- 9a: a mobile typed for someone else gets no SMS --------------------------------------------


def test_a_principal_mobile_typed_on_the_form_gets_no_sms(
    signed_in: Client, lease_key: str
) -> None:
    response = signed_in.post(APPLY, valid_data(signed_in, lease_key, **for_someone_else()))

    assert response.status_code == 303
    ticket = Ticket.objects.get()
    assert ticket.principal_mobile == TYPED_MOBILE  # kept for staff to call
    run_follow_ups()
    assert recipients() == [CITIZEN_MOBILE]  # the representative's own, proven by their login
    services.start_review(ticket, actor=None)
    assert set(Message.objects.values_list("event", flat=True)) == {
        "request_submitted",
        "stage_changed",
    }
    assert recipients() == [CITIZEN_MOBILE, CITIZEN_MOBILE]
    html = signed_in.get(response["Location"]).content.decode()
    assert "0912***4567" in html and "0935***4567" not in html
    assert 'data-testid="unverified-mobile-note"' in html
    assert "is not verified, so it gets no messages about this request" in html


def test_a_principal_mobile_sent_to_the_api_gets_no_sms(
    client: Client, citizen: User, plain_service: Service
) -> None:
    client.force_login(citizen)
    principal = {"name": "علی رضایی", "national_code": OTHER_CODE, "mobile": "09351234567"}

    response = post_json(
        client, api_body(principal=principal, representation={"capacity": "attorney"})
    )

    assert response.status_code == 201, response.content
    assert Ticket.objects.get().principal_mobile == TYPED_MOBILE
    run_follow_ups()
    assert recipients() == [CITIZEN_MOBILE]


def test_the_own_request_receipt_has_no_unverified_mobile_note(
    signed_in: Client, lease_key: str
) -> None:
    response = signed_in.post(APPLY, valid_data(signed_in, lease_key))

    html = signed_in.get(response["Location"]).content.decode()
    assert "0912***4567" in html
    assert 'data-testid="unverified-mobile-note"' not in html
    run_follow_ups()
    assert recipients() == [CITIZEN_MOBILE]


# --- 9b: at most KHEDMAT_MAX_REQUESTS_PER_DAY filings per account --------------------------------


def test_the_service_refuses_a_filing_past_the_daily_cap_until_24_hours_pass(
    submit: Submit, settings: SettingsWrapper, media: Path
) -> None:
    settings.KHEDMAT_MAX_REQUESTS_PER_DAY = 2
    first = submit(now=NOON)
    submit(now=NOON + dt.timedelta(hours=3))
    files_before = stored_files(media)

    with pytest.raises(DailyLimitError) as refused:
        submit(now=NOON + dt.timedelta(hours=23), submission_key="third")

    assert refused.value.retry_at == first.submitted_at + dt.timedelta(hours=24)
    assert str(refused.value.message) == (
        "You have filed 2 requests in the last 24 hours, the most one account may file. "
        "You can file again after 2 March 2026, 12:00."
    )
    assert Ticket.objects.count() == 2 and Attachment.objects.count() == 2
    assert stored_files(media) == files_before
    assert Message.objects.filter(event="request_submitted").count() == 2
    later = submit(now=NOON + dt.timedelta(hours=24, seconds=1), submission_key="third")
    assert later.submission_key == "third"


def test_a_retry_of_a_filed_request_is_answered_even_at_the_cap(
    submit: Submit, settings: SettingsWrapper
) -> None:
    settings.KHEDMAT_MAX_REQUESTS_PER_DAY = 1
    first = submit(submission_key="form-1")

    again = submit(submission_key="form-1", files={})

    assert again.pk == first.pk
    with pytest.raises(DailyLimitError):
        submit(submission_key="form-2")


def test_a_cap_of_zero_turns_it_off(submit: Submit, settings: SettingsWrapper) -> None:
    settings.KHEDMAT_MAX_REQUESTS_PER_DAY = 0
    for _ in range(3):
        submit()
    assert Ticket.objects.count() == 3


def test_operators_at_the_desk_are_not_capped(
    service: Service, lease_key: str, operator: User, templates: None, settings: SettingsWrapper
) -> None:
    settings.KHEDMAT_MAX_REQUESTS_PER_DAY = 1
    applicant = walkin.WalkInApplicant(
        mobile="09127654321", national_code="0078456126", first_name="رضا", last_name="احمدی"
    )
    assert service.current_version is not None
    for number in range(3):
        walkin.submit_walk_in(
            service.current_version,
            applicant=applicant,
            answers={"shop_name": "نانوایی سنگک"},
            documents={lease_key: [{"name": "lease.pdf", "size": len(PDF), "sha256": sha(PDF)}]},
            files={lease_key: [pdf_file()]},
            operator=operator,
            submission_key=f"desk-{number}",
        )

    assert Ticket.objects.filter(channel=IntakeChannel.IN_PERSON).count() == 3


def test_the_portal_form_past_the_cap_keeps_its_answers_and_files(
    signed_in: Client, lease_key: str, settings: SettingsWrapper
) -> None:
    settings.KHEDMAT_MAX_REQUESTS_PER_DAY = 1
    assert signed_in.post(APPLY, valid_data(signed_in, lease_key)).status_code == 303

    response = signed_in.post(APPLY, valid_data(signed_in, lease_key, shop_name="قنادی گل‌سرخ"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "You have filed 1 request in the last 24 hours, the most one account may file." in html
    assert 'value="قنادی گل‌سرخ"' in html
    (staged,) = StagedUpload.objects.all()
    assert kept_tokens(html, lease_key) == [str(staged.token)]
    assert Ticket.objects.count() == 1 and Attachment.objects.count() == 1
    run_follow_ups()
    assert Message.objects.filter(event="request_submitted").count() == 1


def test_the_api_past_the_cap_answers_429_with_retry_after(
    client: Client, citizen: User, plain_service: Service, settings: SettingsWrapper
) -> None:
    settings.KHEDMAT_MAX_REQUESTS_PER_DAY = 1
    client.force_login(citizen)
    assert post_json(client, api_body(), **{"Idempotency-Key": "one"}).status_code == 201

    refused = post_json(client, api_body(), **{"Idempotency-Key": "two"})
    repeated = post_json(client, api_body(), **{"Idempotency-Key": "one"})

    assert refused.status_code == 429
    assert refused.json()["detail"].startswith(
        "You have filed 1 request in the last 24 hours, the most one account may file."
    )
    first = Ticket.objects.get()
    wait = (first.submitted_at + dt.timedelta(hours=24) - timezone.now()).total_seconds()
    assert 0 <= int(refused["Retry-After"]) - wait < 60  # whole seconds, rounded up
    assert repeated.status_code == 200  # the request the key already filed
    assert Ticket.objects.count() == 1


# --- 14c: no file stays in storage when the request is not filed --------------------------------


@pytest.fixture
def dead_end(service: Service, make_user: Callable[..., User]) -> Service:
    """The service runs a published process that cannot start."""
    designer = make_user("designer", roles=["admin"])
    draft = processes.create_definition("dead_end", DEAD_END_BPMN, name="x", actor=designer)
    processes.publish_definition(draft, actor=designer)
    service.process_key = "dead_end"
    service.save(update_fields=["process_key"])
    return service


def test_a_request_whose_process_cannot_start_stays_filed_for_staff(
    submit: Submit, dead_end: Service, media: Path
) -> None:
    ticket = submit()  # the process starts in the after-submission job, which the engine refuses

    assert Ticket.objects.get() == ticket and Attachment.objects.count() == 1
    assert len(stored_files(media)) == 1  # the applicant's file is kept with the request
    (why,) = Activity.objects.for_target(ticket).filter(verb="ticket.process_not_started")
    assert why.data["error"]
    assert not ticket.process_instances.exists()
    assert Message.objects.filter(event="request_submitted").count() == 1


# --- 14d: the files of one submission weigh at most KHEDMAT_MAX_SUBMISSION_MB --------------------


def test_the_form_refuses_files_heavier_than_the_total_cap(
    signed_in: Client, lease_key: str, settings: SettingsWrapper, media: Path
) -> None:
    settings.KHEDMAT_MAX_SUBMISSION_MB = 1
    files = [big_pdf("lease.pdf", 600), big_pdf("annex.pdf", 600)]  # each under its own 2 MB

    response = signed_in.post(APPLY, valid_data(signed_in, lease_key, **{lease_key: files}))

    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "The files of one request may weigh at most 1 MB together; these weigh 1.2 MB. "
        "Remove some files or send smaller ones."
    ) in html
    assert Ticket.objects.count() == 0 and Attachment.objects.count() == 0
    assert not (media / "tickets").exists()


def test_the_service_refuses_files_heavier_than_the_total_cap(
    submit: Submit, lease_key: str, settings: SettingsWrapper, media: Path
) -> None:
    settings.KHEDMAT_MAX_SUBMISSION_MB = 1
    files = [big_pdf("lease.pdf", 600), big_pdf("annex.pdf", 600)]
    described = [
        {"name": item.name, "size": item.size, "sha256": sha(item.read())} for item in files
    ]

    with pytest.raises(InvalidAnswers) as refused:
        submit(documents={lease_key: described}, files={lease_key: files})

    assert list(refused.value.errors) == ["__all__"]
    assert "at most 1 MB together" in refused.value.errors["__all__"][0]
    assert Ticket.objects.count() == 0 and stored_files(media) == []


def test_the_api_refuses_files_heavier_than_the_total_cap(
    client: Client,
    citizen: User,
    service: Service,
    lease_key: str,
    templates: None,
    settings: SettingsWrapper,
) -> None:
    settings.KHEDMAT_MAX_SUBMISSION_MB = 1
    client.force_login(citizen)
    files = [big_pdf("lease.pdf", 600), big_pdf("annex.pdf", 600)]
    described = [{"name": f.name, "size": f.size, "sha256": sha(f.read())} for f in files]
    for item in files:
        item.seek(0)
    payload = {
        "service_code": "17041325104",
        "answers": {"shop_name": "نانوایی بربری"},
        "documents": {lease_key: described},
    }

    response = client.post(API, {"payload": json.dumps(payload), lease_key: files})

    assert response.status_code == 422
    (message,) = response.json()["errors"]["__all__"]
    assert re.match(r"The files of one request may weigh at most 1 MB together", message)
    assert Ticket.objects.count() == 0
