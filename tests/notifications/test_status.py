"""Delivery status: the transition table, polling on the tick, and reports pushed to the hook."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, cast

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts.models import User
from khedmat.core.models import Activity
from khedmat.jobs.tick import tick_handler_names
from khedmat.notifications import services
from khedmat.notifications.choices import TRANSITIONS, Channel, MessageStatus
from khedmat.notifications.errors import IllegalStatusChangeError
from khedmat.notifications.fake_sms import FakeSmsServer
from khedmat.notifications.models import Message
from khedmat.notifications.providers.base import DeliveryStatus
from tests.fixtures.notifications import BLOCKED_MOBILE, GOOD_MOBILE, run_worker

UseProviders = Callable[..., dict[str, Any]]
TOKEN = "callback-secret-0123456789"


def queued(recipient: str = GOOD_MOBILE, *, record: Any = None) -> Message:
    with transaction.atomic():
        return services.queue_message(
            channel=Channel.SMS, recipient=recipient, body="وضعیت درخواست تغییر کرد.", record=record
        )


def activity_count(target: Any) -> int:
    return Activity.objects.for_target(target).count()


@pytest.mark.django_db
class TestTransitions:
    def test_every_status_has_a_row(self) -> None:
        assert set(TRANSITIONS) == set(MessageStatus.values)
        assert set(DeliveryStatus.values) < set(MessageStatus.values)

    def test_a_legal_change_stamps_times_and_writes_both_timelines(
        self, record: User, supervisor: User
    ) -> None:
        message = queued(record=record)
        sent = services.change_message_status(message, MessageStatus.SENT, actor=supervisor)
        delivered = services.change_message_status(sent, MessageStatus.DELIVERED)

        assert delivered.sent_at is not None
        assert delivered.delivered_at is not None
        assert delivered.status_changed_at == delivered.delivered_at
        on_message = Activity.objects.for_target(message).order_by("id")
        assert [(a.verb, a.old_value, a.new_value) for a in on_message] == [
            ("message.queued", None, "queued"),
            ("message.sent", "queued", "sent"),
            ("message.delivered", "sent", "delivered"),
        ]
        assert on_message[1].actor == supervisor
        on_record = Activity.objects.for_target(record).filter(verb__startswith="message.")
        assert [a.data["message"] for a in on_record] == [message.pk] * 3

    def test_an_unchanged_status_is_a_no_op(self) -> None:
        message = queued()
        before = activity_count(message)
        services.change_message_status(message, MessageStatus.QUEUED)
        assert activity_count(message) == before

    @pytest.mark.parametrize(
        ("path", "refused"),
        [
            ([MessageStatus.FAILED], MessageStatus.SENT),
            ([MessageStatus.SENT, MessageStatus.DELIVERED], MessageStatus.QUEUED),
            ([MessageStatus.CANCELLED], MessageStatus.QUEUED),
            ([MessageStatus.SENT, MessageStatus.BLOCKED], MessageStatus.DELIVERED),
        ],
    )
    def test_illegal_changes_are_refused_and_change_nothing(
        self, path: list[str], refused: str
    ) -> None:
        message = queued()
        for status in path:
            message = services.change_message_status(message, status)
        before = activity_count(message)
        with pytest.raises(IllegalStatusChangeError):
            services.change_message_status(message, refused)
        message.refresh_from_db()
        assert message.status == path[-1]
        assert activity_count(message) == before

    def test_a_late_blocked_report_after_delivered_is_allowed(self) -> None:
        message = services.change_message_status(queued(), MessageStatus.DELIVERED)
        assert services.change_message_status(message, MessageStatus.BLOCKED).status == "blocked"


@pytest.mark.django_db(transaction=True)
class TestPolling:
    def test_the_tick_polls_sent_messages_and_records_final_statuses(
        self,
        use_providers: UseProviders,
        fake_sms: FakeSmsServer,
        settings: SettingsWrapper,
        record: User,
    ) -> None:
        settings.KHEDMAT_MESSAGE_POLL_SECONDS = 1
        use_providers("kavenegar")
        good, blocked = queued(record=record), queued(BLOCKED_MOBILE)
        run_worker()
        # The worker has sent both, so every sent_at is set.
        sent = max(cast("Iterable[dt.datetime]", Message.objects.values_list("sent_at", flat=True)))
        assert services.request_status_polls(now=sent) == 0  # sent under a second ago: not yet
        later = sent + dt.timedelta(seconds=1.1)
        fake_sms.advance()  # the operator reports: delivered, and blocked for …0014

        assert (
            "khedmat.notifications.services.delivery.request_status_polls" in tick_handler_names()
        )
        assert services.request_status_polls(now=later) == 1  # one poll job for kavenegar
        (poll,) = DBTaskResult.objects.filter(task_path__endswith=".poll_delivery_statuses_task")
        assert poll.args_kwargs == {"args": ["kavenegar"], "kwargs": {}}
        poll.delete()  # the job, run here at `later` as the worker would then
        assert services.poll_delivery_statuses("kavenegar", now=later) == 2

        good.refresh_from_db()
        blocked.refresh_from_db()
        assert (good.status, blocked.status) == (MessageStatus.DELIVERED, MessageStatus.BLOCKED)
        assert good.delivered_at is not None
        assert good.status_checked_at is not None
        status_calls = [r for r in fake_sms.requests() if r["path"].endswith("/sms/status.json")]
        assert len(status_calls) == 1
        delivered = Activity.objects.for_target(record).get(verb="message.delivered")
        assert delivered.data["source"] == "poll"
        even_later = later + dt.timedelta(seconds=1.1)
        assert services.request_status_polls(now=even_later) == 0  # final statuses: not again

    def test_a_message_still_in_flight_stays_sent(
        self, use_providers: UseProviders, fake_sms: FakeSmsServer, settings: SettingsWrapper
    ) -> None:
        settings.KHEDMAT_MESSAGE_POLL_SECONDS = 1
        use_providers("kavenegar")
        message = queued()
        run_worker()
        later = timezone.now() + dt.timedelta(seconds=1.1)

        assert services.poll_delivery_statuses("kavenegar", now=later) == 0

        message.refresh_from_db()
        assert message.status == MessageStatus.SENT
        assert message.status_checked_at == later
        assert services.poll_delivery_statuses("kavenegar", now=later) == 0  # just checked: skipped
        status_calls = [r for r in fake_sms.requests() if r["path"].endswith("/sms/status.json")]
        assert len(status_calls) == 1


@pytest.mark.django_db(transaction=True)
class TestCallback:
    @pytest.fixture
    def sent(self, use_providers: UseProviders, settings: SettingsWrapper, record: User) -> Message:
        settings.KHEDMAT_SMS_CALLBACK_TOKEN = TOKEN
        settings.KHEDMAT_SMS_CALLBACK_IPS = []
        use_providers("kavenegar")
        message = queued(record=record)
        run_worker()
        message.refresh_from_db()
        assert message.status == MessageStatus.SENT
        return message

    def test_a_report_with_the_token_is_applied(self, client: Client, sent: Message) -> None:
        response = client.post(
            f"/hooks/sms/kavenegar/?token={TOKEN}",
            {"messageid": sent.provider_message_id, "status": "10"},
        )

        assert response.status_code == 200
        assert response.json() == {"received": 1}
        sent.refresh_from_db()
        assert sent.status == MessageStatus.DELIVERED
        activity = Activity.objects.for_target(sent).get(verb="message.delivered")
        assert activity.data["source"] == "callback"
        assert activity.data["report"] == {"messageid": sent.provider_message_id, "status": "10"}

    def test_a_json_list_of_reports(self, client: Client, sent: Message) -> None:
        response = client.post(
            f"/hooks/sms/kavenegar/?token={TOKEN}",
            data=[{"messageId": sent.provider_message_id, "status": "undelivered"}, {"id": "9"}],
            content_type="application/json",
        )
        assert response.json() == {"received": 1}
        sent.refresh_from_db()
        assert sent.status == MessageStatus.UNDELIVERED

    @pytest.mark.parametrize("query", ["?token=wrong", "", "?token="])
    def test_without_the_token_nothing_changes(
        self, client: Client, sent: Message, record: User, query: str
    ) -> None:
        before = activity_count(sent), activity_count(record)

        response = client.post(
            f"/hooks/sms/kavenegar/{query}",
            {"messageid": sent.provider_message_id, "status": "10"},
        )

        assert response.status_code == 403
        sent.refresh_from_db()
        assert sent.status == MessageStatus.SENT
        assert (activity_count(sent), activity_count(record)) == before

    def test_an_allowed_address_needs_no_token(
        self, client: Client, sent: Message, settings: SettingsWrapper
    ) -> None:
        settings.KHEDMAT_SMS_CALLBACK_IPS = ["10.0.0.0/8", "127.0.0.1"]
        response = client.get(
            "/hooks/sms/kavenegar/", {"messageid": sent.provider_message_id, "status": "10"}
        )
        assert response.status_code == 200
        sent.refresh_from_db()
        assert sent.status == MessageStatus.DELIVERED

    def test_another_address_is_refused(
        self, client: Client, sent: Message, settings: SettingsWrapper
    ) -> None:
        settings.KHEDMAT_SMS_CALLBACK_IPS = ["10.0.0.0/8"]
        response = client.post(
            "/hooks/sms/kavenegar/", {"messageid": sent.provider_message_id, "status": "10"}
        )
        assert response.status_code == 403

    def test_no_token_configured_refuses_everything(
        self, client: Client, sent: Message, settings: SettingsWrapper
    ) -> None:
        settings.KHEDMAT_SMS_CALLBACK_TOKEN = ""
        response = client.post("/hooks/sms/kavenegar/?token=", {"messageid": "1", "status": "10"})
        assert response.status_code == 403

    def test_unknown_provider_and_unknown_message(self, client: Client, sent: Message) -> None:
        assert client.post(f"/hooks/sms/nobody/?token={TOKEN}").status_code == 404
        response = client.post(
            f"/hooks/sms/ghasedak/?token={TOKEN}",
            {"messageid": sent.provider_message_id, "status": "14"},
        )
        assert response.json() == {"received": 0}  # that id belongs to kavenegar
        sent.refresh_from_db()
        assert sent.status == MessageStatus.SENT

    def test_a_report_that_would_move_backwards_is_ignored(
        self, client: Client, sent: Message
    ) -> None:
        services.change_message_status(sent, MessageStatus.DELIVERED)
        response = client.post(
            f"/hooks/sms/kavenegar/?token={TOKEN}",
            {"messageid": sent.provider_message_id, "status": "4"},  # "sent to the operator"
        )
        assert response.status_code == 200
        sent.refresh_from_db()
        assert sent.status == MessageStatus.DELIVERED
