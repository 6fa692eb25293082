"""The destruction run: what passed its period is anonymised or deleted and leaves its record;
held records, records of a service with a longer rule and anonymised records are left alone."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction

from khedmat.accounts.models import LoginCode
from khedmat.catalog.models import Service
from khedmat.core.models import Activity, RateLimitCounter
from khedmat.notifications.models import Message
from khedmat.retention import services
from khedmat.retention.choices import Action, DataClass
from khedmat.retention.erasers import ERASERS
from khedmat.retention.models import (
    AnonymisedRecord,
    DestructionRecord,
    RetentionRule,
    RetentionRun,
)
from khedmat.search.models import SearchEntry
from khedmat.tickets.models import Attachment, Ticket
from tests.retention.helpers import NOW, ClosedRequest, new_run, rule

pytestmark = pytest.mark.django_db

SIX_YEARS = 6 * 365
REQUESTS = DataClass.REQUESTS


def _record(run: RetentionRun, data_class: str) -> DestructionRecord:
    return DestructionRecord.objects.get(run=run, data_class=data_class)


def test_a_request_past_its_period_is_anonymised_and_leaves_its_record(
    closed_request: ClosedRequest, media: Path
) -> None:
    ticket = closed_request(days_ago=SIX_YEARS)
    (attachment,) = Attachment.objects.filter(ticket=ticket)
    stored = Path(attachment.file.path)
    assert stored.exists()
    run = new_run()

    services.destroy_expired(run, now=NOW)

    ticket.refresh_from_db()
    personal = (
        ticket.principal_name,
        ticket.principal_national_code,
        ticket.principal_mobile,
        ticket.answers,
        ticket.documents,
        ticket.decision_note,
    )
    assert personal == ("", "", "", {}, {}, "")
    assert not Attachment.objects.filter(ticket=ticket).exists()
    assert not stored.exists()
    # the skeleton stays: statistics still count it
    kept = Ticket.objects.values("tracking_code", "service_id", "status", "closed_at")
    assert kept.get(pk=ticket.pk) == {
        "tracking_code": ticket.tracking_code,
        "service_id": ticket.service_id,
        "status": "completed",
        "closed_at": NOW - dt.timedelta(days=SIX_YEARS),
    }
    entry = SearchEntry.objects.get(kind="request", object_id=ticket.pk)
    assert entry.title == "" and "0013542419" not in entry.key
    record = _record(run, REQUESTS)
    assert (record.rule, record.count, record.job_id) == (rule(REQUESTS), 1, "job-1")
    assert record.first_moment == record.last_moment == ticket.closed_at
    assert record.finished_at is not None and record.action == Action.ANONYMISE
    assert record.rule_text == rule(REQUESTS).describe()
    assert AnonymisedRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(Ticket), object_id=ticket.pk
    ).exists()
    applied = Activity.objects.get(verb="retention_rule.applied", target_id=str(rule(REQUESTS).pk))
    assert applied.data == {"run": run.pk, "record": record.pk, "count": 1, "job": "job-1"}


def test_a_request_within_its_period_is_kept(closed_request: ClosedRequest) -> None:
    ticket = closed_request(days_ago=365)
    run = new_run()

    services.destroy_expired(run, now=NOW)

    ticket.refresh_from_db()
    assert ticket.principal_national_code == "0013542419"
    assert Attachment.objects.filter(ticket=ticket).count() == 1
    assert _record(run, REQUESTS).count == 0


def test_an_open_request_is_never_anonymised(submit: Any) -> None:
    ticket = submit()
    Ticket.objects.filter(pk=ticket.pk).update(submitted_at=NOW - dt.timedelta(days=SIX_YEARS))

    services.destroy_expired(new_run(), now=NOW)

    ticket.refresh_from_db()
    assert ticket.principal_name == "زهرا کریمی"


def test_a_held_request_is_not_anonymised_until_released(
    closed_request: ClosedRequest, administrator: Any
) -> None:
    held = closed_request(days_ago=SIX_YEARS)
    other = closed_request(days_ago=SIX_YEARS)
    hold = services.place_hold(record=held, reason="Court case 1402/55", actor=administrator)
    first = new_run()

    services.destroy_expired(first, now=NOW)

    held.refresh_from_db()
    other.refresh_from_db()
    assert held.principal_national_code == "0013542419"
    assert Attachment.objects.filter(ticket=held).count() == 1
    assert other.principal_national_code == ""
    assert _record(first, REQUESTS).count == 1
    assert Activity.objects.filter(verb="legal_hold.placed", target_id=str(hold.pk)).count() == 1

    services.release_hold(hold, reason="Case closed", actor=administrator)
    second = new_run()
    services.destroy_expired(second, now=NOW)

    held.refresh_from_db()
    assert held.principal_national_code == ""
    assert _record(second, REQUESTS).count == 1
    assert Activity.objects.filter(verb="legal_hold.released", target_id=str(hold.pk)).count() == 1


def test_a_hold_on_a_service_keeps_its_requests_files_and_messages(
    closed_request: ClosedRequest, service: Service, administrator: Any
) -> None:
    ticket = closed_request(days_ago=SIX_YEARS)
    Message.objects.filter(related_id=str(ticket.pk)).update(
        created_at=NOW - dt.timedelta(days=400)
    )
    kept_messages = Message.objects.filter(related_id=str(ticket.pk)).count()
    assert kept_messages >= 1
    services.place_hold(service=service, reason="Audit of the service", actor=administrator)
    run = new_run()

    services.destroy_expired(run, now=NOW)

    ticket.refresh_from_db()
    assert ticket.principal_name == "زهرا کریمی"
    assert Attachment.objects.filter(ticket=ticket).count() == 1
    assert Message.objects.filter(related_id=str(ticket.pk)).count() == kept_messages
    assert _record(run, REQUESTS).count == 0
    assert _record(run, DataClass.MESSAGES).count == 0


def test_a_service_with_a_longer_rule_keeps_its_requests(
    closed_request: ClosedRequest, service: Service, administrator: Any
) -> None:
    ticket = closed_request(days_ago=SIX_YEARS)
    longer = RetentionRule(
        data_class=REQUESTS, service=service, period_days=10 * 365, action=Action.ANONYMISE
    )
    services.save_rule(longer, actor=administrator)
    run = new_run()

    services.destroy_expired(run, now=NOW)

    ticket.refresh_from_db()
    assert ticket.principal_national_code == "0013542419"
    records = DestructionRecord.objects.filter(run=run, data_class=REQUESTS)
    assert {record.rule_id: record.count for record in records} == {
        rule(REQUESTS).pk: 0,
        longer.pk: 0,
    }
    assert Activity.objects.filter(verb="retention_rule.created", target_id=str(longer.pk)).exists()


def test_a_service_with_a_shorter_rule_is_anonymised_sooner(
    closed_request: ClosedRequest, service: Service, administrator: Any
) -> None:
    ticket = closed_request(days_ago=400)
    shorter = RetentionRule(
        data_class=REQUESTS, service=service, period_days=365, action=Action.ANONYMISE
    )
    services.save_rule(shorter, actor=administrator)
    run = new_run()

    services.destroy_expired(run, now=NOW)

    ticket.refresh_from_db()
    assert ticket.principal_national_code == ""
    assert DestructionRecord.objects.get(run=run, rule=shorter).count == 1
    assert _record_of_default(run).count == 0


def _record_of_default(run: RetentionRun) -> DestructionRecord:
    return DestructionRecord.objects.get(run=run, rule=rule(REQUESTS))


def test_files_of_closed_requests_are_deleted_after_their_own_period(
    closed_request: ClosedRequest,
) -> None:
    ticket = closed_request(days_ago=3 * 365)
    (attachment,) = Attachment.objects.filter(ticket=ticket)
    stored = Path(attachment.file.path)
    run = new_run()

    services.destroy_expired(run, now=NOW)

    assert not Attachment.objects.filter(ticket=ticket).exists()
    assert not stored.exists()
    ticket.refresh_from_db()
    assert ticket.principal_name == "زهرا کریمی"  # the request itself is kept five years
    assert _record(run, DataClass.REQUEST_FILES).count == 1


def test_login_codes_messages_and_counters_past_their_period_are_deleted() -> None:
    old, fresh = NOW - dt.timedelta(days=2), NOW - dt.timedelta(hours=1)
    for created in (old, fresh):
        LoginCode.objects.create(
            mobile="+989121234567", code_hash="x", salt="y", created_at=created, expires_at=created
        )
    RateLimitCounter.objects.create(key="track:1.2.3.4", window_ends_at=NOW - dt.timedelta(days=3))
    RateLimitCounter.objects.create(key="track:5.6.7.8", window_ends_at=NOW)
    for index, days in enumerate((181, 10)):
        Message.objects.create(
            channel="sms",
            kind="transactional",
            recipient="+989121234567",
            language="fa",
            body="کد رهگیری شما ...",
            idempotency_key=f"test-{index}",
            created_at=NOW - dt.timedelta(days=days),
        )
    run = new_run()

    services.destroy_expired(run, now=NOW)

    assert list(LoginCode.objects.values_list("created_at", flat=True)) == [fresh]
    assert list(RateLimitCounter.objects.values_list("key", flat=True)) == ["track:5.6.7.8"]
    assert list(Message.objects.values_list("idempotency_key", flat=True)) == ["test-1"]
    counts = {
        data_class: _record(run, data_class).count
        for data_class in (
            DataClass.LOGIN_CODES,
            DataClass.RATE_LIMIT_COUNTERS,
            DataClass.MESSAGES,
        )
    }
    assert counts == {
        DataClass.LOGIN_CODES: 1,
        DataClass.RATE_LIMIT_COUNTERS: 1,
        DataClass.MESSAGES: 1,
    }
    deleted = _record(run, DataClass.MESSAGES)
    assert deleted.first_moment == deleted.last_moment == NOW - dt.timedelta(days=181)


def test_an_inactive_rule_destroys_nothing(administrator: Any) -> None:
    codes = rule(DataClass.LOGIN_CODES)
    codes.is_active = False
    services.save_rule(codes, actor=administrator)
    LoginCode.objects.create(
        mobile="+989121234567",
        code_hash="x",
        salt="y",
        created_at=NOW - dt.timedelta(days=5),
        expires_at=NOW,
    )
    run = new_run()

    services.destroy_expired(run, now=NOW)

    assert LoginCode.objects.count() == 1
    assert not DestructionRecord.objects.filter(run=run, rule=codes).exists()
    changed = Activity.objects.get(verb="retention_rule.changed", target_id=str(codes.pk))
    assert changed.old_value is not None and changed.new_value is not None
    assert (changed.old_value["is_active"], changed.new_value["is_active"]) == (True, False)


def test_a_dry_run_changes_nothing_but_counts(closed_request: ClosedRequest) -> None:
    ticket = closed_request(days_ago=SIX_YEARS)
    activities = Activity.objects.count()

    lines = services.count_expired(now=NOW)

    counts = {line.rule.data_class: line.count for line in lines}
    assert counts[REQUESTS] == 1 and counts[DataClass.REQUEST_FILES] == 1
    ticket.refresh_from_db()
    assert ticket.principal_national_code == "0013542419"
    assert Attachment.objects.filter(ticket=ticket).count() == 1
    assert not DestructionRecord.objects.exists() and not RetentionRun.objects.exists()
    assert Activity.objects.count() == activities


def test_running_again_destroys_nothing_more(closed_request: ClosedRequest) -> None:
    ticket = closed_request(days_ago=SIX_YEARS)
    first, second = new_run(), new_run()

    services.destroy_expired(first, now=NOW)
    services.destroy_expired(second, now=NOW)

    assert _record(first, REQUESTS).count == 1
    assert _record(second, REQUESTS).count == 0
    ticket.refresh_from_db()
    assert ticket.principal_national_code == ""
    assert AnonymisedRecord.objects.count() == 1


def test_a_run_killed_between_batches_resumes_where_it_stopped(
    closed_request: ClosedRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    tickets = [closed_request(days_ago=SIX_YEARS + day) for day in range(3)]
    eraser = ERASERS[REQUESTS]
    calls: list[int] = []

    def killed_after_one_batch(ids: Any, record: DestructionRecord) -> int:
        calls.append(len(ids))
        if len(calls) > 1:
            raise KeyboardInterrupt  # the worker is killed in the second batch
        return eraser.erase(ids, record)

    monkeypatch.setitem(
        ERASERS, REQUESTS, dataclasses.replace(eraser, erase=killed_after_one_batch)
    )
    run = new_run()
    with pytest.raises(KeyboardInterrupt):
        services.destroy_expired(run, now=NOW, batch=1)
    record = _record(run, REQUESTS)
    assert (record.count, record.finished_at, run.finished_at) == (1, None, None)

    monkeypatch.setitem(ERASERS, REQUESTS, eraser)
    erased = services.run_destruction(run.pk, now=NOW)  # the job runs again

    record.refresh_from_db()
    assert record.count == 3 and record.finished_at is not None
    oldest = NOW - dt.timedelta(days=SIX_YEARS + 2)
    assert (record.first_moment, record.last_moment) == (oldest, NOW - dt.timedelta(days=SIX_YEARS))
    assert erased == sum(run.records.values_list("count", flat=True))
    assert set(
        Ticket.objects.filter(pk__in=[t.pk for t in tickets]).values_list(
            "principal_national_code", flat=True
        )
    ) == {""}
    assert (
        Activity.objects.filter(verb="retention_rule.applied")
        .filter(target_id=str(rule(REQUESTS).pk))
        .count()
        == 1
    )


def test_a_rule_refuses_an_action_its_class_does_not_allow(administrator: Any) -> None:
    from django.core.exceptions import ValidationError

    wrong = RetentionRule(data_class=REQUESTS, service=None, period_days=10, action=Action.DELETE)
    with pytest.raises(ValidationError):
        services.save_rule(wrong, actor=administrator)
    assert RetentionRule.objects.filter(data_class=REQUESTS).count() == 1


def test_the_shipped_defaults_cover_every_class() -> None:
    rules = RetentionRule.objects.filter(service=None)
    assert {rule.data_class: rule.period_days for rule in rules} == {
        "requests": 1825,
        "request_files": 730,
        "complaints": 1825,
        "incidents": 1095,
        "survey_responses": 730,
        "messages": 180,
        "login_codes": 1,
        "login_failures": 90,
        "rate_limit_counters": 2,
        "inquiry_logs": 365,
        "finished_jobs": 30,
    }
    assert set(ERASERS) == set(DataClass.values)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_a_finished_destruction_record_can_be_neither_changed_nor_deleted() -> None:
    run = new_run()
    services.destroy_expired(run, now=NOW)
    record = _record(run, REQUESTS)

    for statement in (
        lambda: DestructionRecord.objects.filter(pk=record.pk).update(count=99),
        lambda: DestructionRecord.objects.filter(pk=record.pk).delete(),
    ):
        refused = pytest.raises(DatabaseError, match="retention_destructionrecord is kept")
        with refused, transaction.atomic():
            statement()
    record.refresh_from_db()
    assert record.count == 0
