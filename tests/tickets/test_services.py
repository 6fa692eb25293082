"""Submitting a request and moving it along: one transaction, guarded statuses, Activity, SMS."""

from __future__ import annotations

import hashlib
from pathlib import Path
from unittest import mock

import pytest
from django.db import IntegrityError

from khedmat.catalog.formbuilder.engine import InvalidAnswers
from khedmat.core.models import Activity
from khedmat.core.tracking import generate_tracking_code, is_valid_tracking_code
from khedmat.notifications.models import Message
from khedmat.tickets import services
from khedmat.tickets.choices import Status
from khedmat.tickets.errors import NotAllowedError, TransitionError
from khedmat.tickets.models import Attachment, Ticket
from tests.fixtures.tickets import PDF, PNG, Submit, pdf_file, png_file

pytestmark = pytest.mark.django_db


def test_submit_writes_request_code_answers_file_activity_and_sms(submit: Submit) -> None:
    ticket = submit()

    assert is_valid_tracking_code(ticket.tracking_code)
    assert len(ticket.tracking_code) == 12
    assert ticket.status == Status.SUBMITTED
    assert ticket.answers == {"shop_name": "نانوایی بربری", "opening_date": "2026-03-01"}
    assert ticket.promised_at is not None and ticket.promised_at > ticket.submitted_at
    (attachment,) = Attachment.objects.filter(ticket=ticket)
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert attachment.original_name == "lease.pdf"
    assert attachment.file.name.startswith("tickets/") and "lease" not in attachment.file.name
    with attachment.file.open("rb") as handle:
        assert handle.read() == PDF
    verbs = list(Activity.objects.for_target(ticket).values_list("verb", "is_public"))
    assert ("ticket.submitted", True) in verbs
    (message,) = Message.objects.filter(event="request_submitted")
    assert message.recipient == "+989121234567"
    assert ticket.tracking_code in message.body
    assert f"/track/?code={ticket.tracking_code}" in message.body


def test_same_submission_key_files_once(submit: Submit) -> None:
    first = submit(submission_key="form-abc")
    second = submit(submission_key="form-abc", files={})

    assert first.pk == second.pk
    assert Ticket.objects.count() == 1
    assert Message.objects.filter(event="request_submitted").count() == 1


def test_invalid_answers_and_missing_document_report_every_field(
    submit: Submit, lease_key: str
) -> None:
    with pytest.raises(InvalidAnswers) as raised:
        submit(answers={"opening_date": "not a date"}, documents={}, files={})

    assert set(raised.value.errors) == {"shop_name", "opening_date", lease_key}
    assert Ticket.objects.count() == 0
    assert Message.objects.count() == 0


def test_a_crash_after_the_insert_leaves_nothing(submit: Submit) -> None:
    with (
        mock.patch.object(services, "_queue_follow_up", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        submit()

    assert Ticket.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert Activity.objects.filter(verb="ticket.submitted").count() == 0


def test_file_that_does_not_match_its_descriptor_is_refused(submit: Submit, lease_key: str) -> None:
    other = pdf_file(content=PDF + b"tampered")
    with pytest.raises(InvalidAnswers) as raised:
        submit(files={lease_key: [other]})
    assert raised.value.errors == {
        lease_key: ["The file's content does not match its description."]
    }
    assert Ticket.objects.count() == 0


def test_status_moves_follow_the_table(submit: Submit) -> None:
    ticket = submit()

    with pytest.raises(TransitionError):
        services.object_to_rejection(ticket, text="x", actor=ticket.requester)
    ticket = services.start_review(ticket, actor=None)
    assert ticket.status == Status.IN_PROGRESS
    ticket = services.reject_request(ticket, reason="مدارک ناقص است", actor=None)
    assert ticket.status == Status.REJECTED and ticket.closed_at is not None
    ticket = services.object_to_rejection(ticket, text="مدارک کامل بود", actor=ticket.requester)
    assert ticket.status == Status.OBJECTED
    with pytest.raises(TransitionError):
        services.change_status(ticket, Status.WITHDRAWN, actor=None)
    history = [
        (row.old_value, row.new_value)
        for row in Activity.objects.for_target(ticket).filter(verb="ticket.status_changed")
    ]
    assert history == [
        ("rejected", "objected"),
        ("in_progress", "rejected"),
        ("submitted", "in_progress"),
    ]
    assert Message.objects.filter(event="stage_changed").count() == 3


def test_correction_changes_only_the_named_fields(submit: Submit, lease_key: str) -> None:
    ticket = services.start_review(submit(), actor=None)
    ticket = services.return_for_correction(
        ticket, fields=["shop_name", lease_key], note="نام و اجاره‌نامه را اصلاح کنید", actor=None
    )
    assert ticket.status == Status.WAITING_APPLICANT
    assert Message.objects.filter(event="request_returned").count() == 1

    new_lease = pdf_file("lease-2.pdf", PDF + b"% v2\n")
    digest = hashlib.sha256(PDF + b"% v2\n").hexdigest()
    ticket = services.correct_request(
        ticket,
        answers={"shop_name": "نانوایی سنگک", "opening_date": "2020-01-01"},
        documents={lease_key: [{"name": "lease-2.pdf", "size": new_lease.size, "sha256": digest}]},
        files={lease_key: [new_lease]},
        actor=ticket.requester,
    )

    assert ticket.status == Status.IN_PROGRESS
    assert ticket.answers["shop_name"] == "نانوایی سنگک"
    assert ticket.answers["opening_date"] == "2026-03-01"
    current = Attachment.objects.get(ticket=ticket, is_current=True)
    assert current.sha256 == digest
    assert Attachment.objects.filter(ticket=ticket, is_current=False).count() == 1


def test_someone_else_cannot_correct_or_object(submit: Submit, make_user) -> None:  # type: ignore[no-untyped-def]
    stranger = make_user("stranger", mobile="+989351112233", password=None)
    ticket = services.start_review(submit(), actor=None)
    ticket = services.return_for_correction(ticket, fields=["shop_name"], note="", actor=None)

    with pytest.raises(NotAllowedError):
        services.correct_request(ticket, answers={"shop_name": "x"}, actor=stranger)
    ticket.refresh_from_db()
    assert ticket.answers["shop_name"] == "نانوایی بربری"


def test_a_file_dropped_in_a_correction_stops_being_current(submit: Submit, lease_key: str) -> None:
    photo = png_file()
    described = {"name": "front.png", "size": photo.size, "sha256": hashlib.sha256(PNG).hexdigest()}
    lease = pdf_file()
    ticket = submit(
        answers={"shop_name": "نانوایی", "opening_date": "2026-03-01", "photo": [described]},
        files={"photo": [photo], lease_key: [lease]},
    )
    ticket = services.start_review(ticket, actor=None)
    ticket = services.return_for_correction(ticket, fields=["photo"], note="", actor=None)

    services.correct_request(ticket, answers={"photo": None}, actor=ticket.requester)

    photo_file = Attachment.objects.get(ticket=ticket, field_key="photo")
    assert photo_file.is_current is False
    assert Attachment.objects.get(ticket=ticket, field_key=lease_key).is_current is True


def test_a_described_file_that_was_not_sent_is_refused(submit: Submit, lease_key: str) -> None:
    with pytest.raises(InvalidAnswers) as raised:
        submit(files={})

    assert list(raised.value.errors) == [lease_key]
    assert Ticket.objects.count() == 0


def test_a_service_without_an_electronic_request_stage_takes_only_walk_ins(
    make_service,
    citizen,
    templates,  # type: ignore[no-untyped-def]
) -> None:
    from khedmat.tickets.choices import IntakeChannel
    from khedmat.tickets.errors import ServiceClosedError
    from tests.fixtures.tickets import FORM_FIELDS

    stages = [
        {"stage": "information", "is_electronic": True, "channels": ["portal"]},
        {"stage": "request", "is_electronic": False, "channels": ["in_person"]},
    ]
    counter = make_service(
        "17041325199", rows={"form_fields": FORM_FIELDS[:1], "stages": stages, "documents": []}
    )
    values = {
        "answers": {"shop_name": "نانوایی"},
        "requester": citizen,
        "filed_by": citizen,
        "principal": services.Principal(name="زهرا کریمی", national_code="0013542419"),
    }

    with pytest.raises(ServiceClosedError):
        services.submit_request(counter.current_version, **values)
    ticket = services.submit_request(
        counter.current_version, channel=IntakeChannel.IN_PERSON, **values
    )
    assert ticket.channel == IntakeChannel.IN_PERSON


def test_kept_files_nobody_came_back_for_are_pruned_on_the_tick(
    citizen, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from django.utils import timezone

    from khedmat.jobs.tick import tick_handler_names
    from khedmat.tickets.models import StagedUpload

    settings.MEDIA_ROOT = tmp_path
    old = services.stage_upload(pdf_file("old.pdf"), field_key="lease", owner=citizen)
    fresh = services.stage_upload(pdf_file("fresh.pdf"), field_key="lease", owner=citizen)
    StagedUpload.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    old_path = old.file.path

    assert "khedmat.tickets.services.prune_staged_uploads" in tick_handler_names()
    assert services.prune_staged_uploads() == 1

    assert list(StagedUpload.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not Path(old_path).exists()
    assert Path(fresh.file.path).exists()


def test_a_tracking_code_taken_meanwhile_files_again_with_another(
    submit: Submit, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = submit()
    fresh = generate_tracking_code()
    codes = iter([first.tracking_code, fresh])
    monkeypatch.setattr(services, "generate_tracking_code", lambda: next(codes))

    second = submit(submission_key="key-2")

    assert second.tracking_code == fresh
    assert Ticket.objects.count() == 2
    assert Activity.objects.filter(verb="ticket.submitted").count() == 2  # the failed try left none
    assert Attachment.objects.filter(ticket=second).count() == 1


def test_a_tracking_code_taken_every_time_fails_after_three_tries(
    submit: Submit, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = submit()
    tries: list[str] = []

    def taken() -> str:
        tries.append(first.tracking_code)
        return first.tracking_code

    monkeypatch.setattr(services, "generate_tracking_code", taken)

    with pytest.raises(IntegrityError):
        submit(submission_key="key-3")

    assert len(tries) == services.CODE_ATTEMPTS == 3
    assert Ticket.objects.count() == 1
