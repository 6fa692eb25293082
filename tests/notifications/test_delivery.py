"""Delivery end to end: notify in the business transaction, the worker, the fake SMS server."""

from __future__ import annotations

import datetime as dt
import json
import signal
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest
from django.core import mail
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts.models import User
from khedmat.core.models import Activity
from khedmat.notifications import services
from khedmat.notifications.choices import Channel, MessageKind, MessageStatus
from khedmat.notifications.fake_sms import FAKE_API_KEY, SENDERS, FakeSmsServer
from khedmat.notifications.models import Message
from khedmat.notifications.tasks import deliver_message_task
from tests.fixtures.jobs import WorkerProcesses, worker_env
from tests.fixtures.notifications import (
    ERROR_500_MOBILE,
    INVALID_MOBILE,
    NO_CREDIT_MOBILE,
    SLOW_MOBILE,
    install_default_templates,
    run_worker,
)
from tests.notifications.helpers import change_stage

pytestmark = pytest.mark.django_db(transaction=True)

UseProviders = Callable[..., dict[str, Any]]


def sms(recipient: str, *, record: Any = None, kind: str = MessageKind.TRANSACTIONAL) -> Message:
    with transaction.atomic():
        return services.queue_message(
            channel=Channel.SMS,
            recipient=recipient,
            body="درخواست شما ثبت شد.",
            kind=kind,
            record=record,
        )


def sends(fake: FakeSmsServer, path_end: str = "/sms/send.json") -> list[dict[str, Any]]:
    return [request for request in fake.requests() if request["path"].endswith(path_end)]


def task_row(message: Message) -> DBTaskResult:
    return DBTaskResult.objects.get(id=message.task_id)


def delivery_jobs() -> Any:
    """The message delivery jobs (other apps queue their own, e.g. when a user is created)."""
    return DBTaskResult.objects.filter(task_path=deliver_message_task.module_path)


def html_part(email: EmailMessage) -> tuple[str, str]:
    """The one alternative of an email the email channel sent: its HTML text and MIME type."""
    [(html, mime)] = cast(EmailMultiAlternatives, email).alternatives
    return cast(str, html), mime


def verbs(target: Any) -> list[str]:
    return list(Activity.objects.for_target(target).order_by("id").values_list("verb", flat=True))


def test_three_stage_changes_send_three_sms(
    use_providers: UseProviders, fake_sms: FakeSmsServer, record: User, applicant: User
) -> None:
    install_default_templates()
    use_providers("kavenegar")
    stages = ["بررسی مدارک", "کارشناسی", "تأیید نهایی"]

    messages = [
        change_stage(record, stage, recipient=applicant, number=number)
        for number, stage in enumerate(stages)
    ]
    assert [message.status for message in messages] == [MessageStatus.QUEUED] * 3
    assert delivery_jobs().filter(status=TaskResultStatus.READY).count() == 3
    assert fake_sms.outbox() == []  # nothing leaves inside the transaction

    run_worker()

    outbox = fake_sms.outbox()
    assert [entry["recipient"] for entry in outbox] == ["09121234567"] * 3
    assert [entry["local_id"] for entry in outbox] == [str(message.pk) for message in messages]
    for message, entry, stage in zip(messages, outbox, stages, strict=True):
        message.refresh_from_db()
        assert entry["text"] == message.body
        assert stage in message.body
        assert message.status == MessageStatus.SENT
        assert message.provider == "kavenegar"
        assert message.provider_message_id == str(entry["id"])
        assert message.cost == Decimal(entry["cost"])
        assert message.attempts == 1
        assert message.sent_at is not None
        assert verbs(message) == ["message.queued", "message.sent"]
    assert verbs(record).count("stage.changed") == 3
    assert verbs(record).count("message.queued") == 3
    assert verbs(record).count("message.sent") == 3


def test_a_failed_business_transaction_sends_nothing(
    use_providers: UseProviders, fake_sms: FakeSmsServer, record: User, applicant: User
) -> None:
    install_default_templates()
    use_providers("kavenegar")

    with pytest.raises(RuntimeError), transaction.atomic():
        change_stage(record, "کارشناسی", recipient=applicant, number=1)
        raise RuntimeError("the process step fails after the notification")
    run_worker()

    assert Message.objects.count() == 0
    assert delivery_jobs().count() == 0
    assert fake_sms.outbox() == []


def test_the_same_idempotency_key_twice_is_one_message(
    use_providers: UseProviders, fake_sms: FakeSmsServer, record: User, applicant: User
) -> None:
    install_default_templates()
    use_providers("kavenegar")
    first = change_stage(record, "کارشناسی", recipient=applicant, number=7)
    again = change_stage(record, "کارشناسی", recipient=applicant, number=7)
    run_worker()

    assert again.pk == first.pk
    assert Message.objects.count() == 1
    assert len(fake_sms.outbox()) == 1


def test_no_credit_at_provider_a_sends_through_provider_b(
    use_providers: UseProviders, fake_sms: FakeSmsServer, record: User, tmp_path: Path
) -> None:
    # Every fake provider refuses …0418 for lack of credit, so B is the file backend.
    use_providers("kavenegar", "file")
    message = sms(NO_CREDIT_MOBILE, record=record)

    run_worker()

    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED  # the file backend reports delivered
    assert message.provider == "file"
    assert message.provider_message_id.startswith("file-")
    assert (message.attempts, message.last_error) == (1, "")
    assert len(sends(fake_sms)) == 1  # provider A was asked once and refused
    assert fake_sms.outbox() == []
    lines = (tmp_path / "sms-outbox.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["to"] for line in lines] == [NO_CREDIT_MOBILE]
    delivered = Activity.objects.for_target(message).get(verb="message.delivered")
    [note] = delivered.data["failover"]
    assert note.startswith("kavenegar: ") and "418" in note
    assert task_row(message).status == TaskResultStatus.SUCCESSFUL


def test_no_credit_at_one_http_provider_sends_through_the_next_http_provider(
    use_providers: UseProviders, fake_sms: FakeSmsServer, record: User
) -> None:
    use_providers("kavenegar", "ghasedak")
    fake_sms.set_credit("kavenegar", 0)
    message = sms("+989121234567", record=record)

    run_worker()

    message.refresh_from_db()
    [entry] = fake_sms.outbox()
    assert entry["provider"] == "ghasedak"
    assert (message.status, message.provider) == (MessageStatus.SENT, "ghasedak")
    assert [request["path"].split("/")[-1] for request in fake_sms.requests()] == [
        "send.json",
        "SendSingleSMS",
    ]
    delivered_to_b = Activity.objects.for_target(message).get(verb="message.sent")
    [note] = delivered_to_b.data["failover"]
    assert note.startswith("kavenegar: ") and "418" in note


def test_an_account_error_at_provider_a_fails_over_to_provider_b_over_http(
    use_providers: UseProviders, fake_sms: FakeSmsServer
) -> None:
    use_providers("kavenegar", "ghasedak", kavenegar={"api_key": "revoked-key"})
    message = sms("+989121234567")

    run_worker()

    message.refresh_from_db()
    [entry] = fake_sms.outbox()
    assert entry["provider"] == "ghasedak"
    assert (message.status, message.provider) == (MessageStatus.SENT, "ghasedak")
    assert message.provider_message_id == str(entry["id"])


def test_a_permanent_error_fails_at_once_without_retry(
    use_providers: UseProviders, fake_sms: FakeSmsServer, record: User
) -> None:
    use_providers("kavenegar", "ghasedak")
    message = sms(INVALID_MOBILE, record=record)

    run_worker()

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.attempts == 1
    assert message.provider == "kavenegar"
    assert "411" in message.last_error
    assert message.next_attempt_at is None
    assert len(sends(fake_sms)) == 1  # no second provider for a bad number, no retry
    assert fake_sms.outbox() == []
    row = task_row(message)
    assert row.status == TaskResultStatus.FAILED
    assert len(row.worker_ids) == 1
    assert row.exception_class_path == "khedmat.notifications.errors.DeliveryFailedError"
    assert verbs(record)[-1] == "message.failed"


def test_a_server_error_retries_with_growing_backoff_then_fails(
    use_providers: UseProviders, fake_sms: FakeSmsServer, settings: SettingsWrapper
) -> None:
    settings.KHEDMAT_TASK_BACKOFF_SECONDS = 1
    settings.KHEDMAT_MESSAGE_MAX_ATTEMPTS = 3
    use_providers("kavenegar")
    message = sms(ERROR_500_MOBILE)

    waits: list[float] = []
    due: dt.datetime | None = None  # the first attempt is due at once
    for attempt in (1, 2):
        run_worker(now=due)
        message.refresh_from_db()
        row = task_row(message)
        assert (message.status, message.attempts) == (MessageStatus.QUEUED, attempt)
        assert "http-500" in message.last_error
        assert row.status == TaskResultStatus.READY
        assert row.exception_class_path == "khedmat.notifications.errors.DeliveryRetryError"
        assert message.next_attempt_at is not None
        assert row.started_at is not None
        waits.append((row.run_after - row.started_at).total_seconds())  # after the attempt's start
        run_worker(now=row.run_after - dt.timedelta(milliseconds=1))  # not due yet: nothing happens
        assert len(sends(fake_sms)) == attempt
        due = row.run_after

    run_worker(now=due)

    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 3)
    assert len(sends(fake_sms)) == 3
    assert 1.0 <= waits[0] < 2.0
    assert 2.0 <= waits[1] < 3.5
    assert task_row(message).status == TaskResultStatus.FAILED
    assert verbs(message) == [
        "message.queued",
        "message.retry_scheduled",
        "message.retry_scheduled",
        "message.failed",
    ]


def test_a_duplicate_job_does_not_send_again(
    use_providers: UseProviders, fake_sms: FakeSmsServer
) -> None:
    use_providers("kavenegar")
    message = sms("+989121234567")
    run_worker()

    deliver_message_task.enqueue(message.pk)  # e.g. a stray re-dispatch
    run_worker()

    message.refresh_from_db()
    assert len(fake_sms.outbox()) == 1
    assert len(sends(fake_sms)) == 1
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)


def test_a_lost_job_is_dispatched_again_by_the_sweep(
    use_providers: UseProviders, fake_sms: FakeSmsServer, settings: SettingsWrapper
) -> None:
    settings.KHEDMAT_MESSAGE_STUCK_SECONDS = 600
    use_providers("kavenegar")
    waiting = sms("+989121234567")
    lost = sms("+989351234567")
    DBTaskResult.objects.filter(id=lost.task_id).delete()  # the queue lost it (pruned, broker)
    later = timezone.now() + dt.timedelta(minutes=11)

    assert services.redispatch_stuck_messages(now=timezone.now()) == 0  # not overdue yet
    assert services.redispatch_stuck_messages(now=later) == 1  # the waiting job is still there

    lost.refresh_from_db()
    assert verbs(lost) == ["message.queued", "message.redispatched"]
    run_worker()
    assert sorted(entry["recipient"] for entry in fake_sms.outbox()) == [
        "09121234567",
        "09351234567",
    ]
    waiting.refresh_from_db()
    assert waiting.status == MessageStatus.SENT


def test_the_sweep_fails_a_message_out_of_attempts(
    use_providers: UseProviders, settings: SettingsWrapper
) -> None:
    settings.KHEDMAT_MESSAGE_MAX_ATTEMPTS = 2
    use_providers("kavenegar")
    message = sms("+989121234567")
    DBTaskResult.objects.filter(id=message.task_id).delete()
    Message.objects.filter(pk=message.pk).update(attempts=2, last_error="timeout")

    services.redispatch_stuck_messages(now=timezone.now() + dt.timedelta(hours=1))

    message.refresh_from_db()
    assert (message.status, message.last_error) == (MessageStatus.FAILED, "timeout")


def test_email_goes_out_as_html_and_text_in_the_messages_direction(
    settings: SettingsWrapper, applicant: User
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "desk@khedmat.example.ir"
    install_default_templates()
    applicant.email = "zahra@example.org"
    with transaction.atomic():
        message = services.notify(
            "request_submitted",
            record=applicant,
            recipient=applicant,
            language="fa",
            channel=Channel.EMAIL,
            context={
                "tracking_code": "140312345678",
                "service_title": "پروانه",
                "link": "https://x",
            },
        )

    run_worker()

    [email] = mail.outbox
    assert email.to == ["zahra@example.org"]
    assert email.subject == "ثبت درخواست 140312345678"
    assert "کد رهگیری: 140312345678" in email.body
    html, mime = html_part(email)
    assert mime == "text/html"
    assert '<html lang="fa" dir="rtl">' in html
    assert "کد رهگیری: 140312345678<br>" in html
    message.refresh_from_db()
    assert (message.status, message.provider) == (MessageStatus.SENT, "email")
    assert email.extra_headers["Message-ID"].strip("<>") == message.provider_message_id


def test_english_email_is_left_to_right(settings: SettingsWrapper) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with transaction.atomic():
        services.queue_message(
            channel=Channel.EMAIL,
            recipient="a@example.org",
            subject="Hi",
            body="<b>x</b> & y",
            language="en",
        )
    run_worker()
    html, _mime = html_part(mail.outbox[0])
    assert '<html lang="en" dir="ltr">' in html
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in html  # the text is escaped in the HTML part


# --- a worker killed mid-delivery ----------------------------------------------------------


@pytest.mark.slow
class HeldAnswers:
    """The fake's slow answers (…0408) held until the test releases them, and the test told when a
    request arrived and when the fake stored its message: the test waits for these, not the clock."""

    def __init__(self, fake: FakeSmsServer, monkeypatch: pytest.MonkeyPatch) -> None:
        self.arrived = threading.Event()
        self.released = threading.Event()
        self.stored = threading.Event()
        store = fake.app.outbox.add

        def hold() -> None:
            self.arrived.set()
            self.released.wait(timeout=60)

        def add(*args: Any, **kwargs: Any) -> Any:
            message = store(*args, **kwargs)
            self.stored.set()
            return message

        monkeypatch.setattr(fake.app, "stall", hold)
        monkeypatch.setattr(fake.app.outbox, "add", add)


def test_a_worker_killed_mid_delivery_loses_nothing_and_sends_once(
    fake_sms: FakeSmsServer,
    worker_processes: WorkerProcesses,
    record: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = worker_env(
        KHEDMAT_QUIET_HOURS="off",
        KHEDMAT_SMS_PROVIDERS="kavenegar",
        KHEDMAT_SMS_OTP_PROVIDERS="kavenegar",
        KHEDMAT_SMS_KAVENEGAR_URL=fake_sms.base_url("kavenegar"),
        KHEDMAT_SMS_KAVENEGAR_API_KEY=FAKE_API_KEY,
        KHEDMAT_SMS_KAVENEGAR_SENDER=SENDERS["kavenegar"],
        KHEDMAT_SMS_KAVENEGAR_TIMEOUT="15",
    )
    # The fake holds the …0408 request until the test lets it go: time to kill the worker.
    held = HeldAnswers(fake_sms, monkeypatch)
    message = sms(SLOW_MOBILE, record=record)

    first = worker_processes.start("--interval", "0.1", "--no-tick", env=env)
    assert held.arrived.wait(timeout=20), worker_processes.output(first)
    assert len(sends(fake_sms)) == 1  # the worker's send reached the provider
    first.send_signal(signal.SIGKILL)
    assert first.wait(timeout=10) == -signal.SIGKILL
    held.released.set()
    assert held.stored.wait(timeout=20)  # the provider accepts the message the worker never saw
    assert len(fake_sms.outbox()) == 1

    message.refresh_from_db()
    assert (message.status, message.attempts, message.provider) == (MessageStatus.QUEUED, 1, "")
    assert task_row(message).status == TaskResultStatus.RUNNING

    second = worker_processes.start("--batch", "--interval", "0", "--no-tick", env=env)
    assert second.wait(timeout=60) == 0, worker_processes.output(second)  # recovers, runs again

    message.refresh_from_db()
    [entry] = fake_sms.outbox()  # Kavenegar's localid: the second send returned the first message
    assert len(sends(fake_sms)) == 2
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)
    assert message.provider_message_id == str(entry["id"])
    assert entry["local_id"] == str(message.pk)
    assert task_row(message).status == TaskResultStatus.SUCCESSFUL
