"""Sending rules: quiet hours, rate limits and opt-out decide a message's first status."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Model
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts.models import User
from khedmat.core.models import Activity
from khedmat.notifications import services
from khedmat.notifications.checks import check_message_settings
from khedmat.notifications.choices import Channel, MessageKind, MessageStatus
from khedmat.notifications.models import Message
from khedmat.notifications.rules import parse_quiet_hours, quiet_until
from tests.fixtures.notifications import GOOD_MOBILE

TEHRAN = ZoneInfo("Asia/Tehran")


def tehran(hour: int, minute: int = 0, day: int = 10) -> dt.datetime:
    return dt.datetime(2025, 3, day, hour, minute, tzinfo=TEHRAN)


def queue(
    kind: str, *, now: dt.datetime, recipient: str = GOOD_MOBILE, record: Model | None = None
) -> Message:
    return services.queue_message(
        channel=Channel.SMS, recipient=recipient, body="سلام", kind=kind, now=now, record=record
    )


@pytest.fixture
def quiet_nights(settings: SettingsWrapper) -> None:
    settings.KHEDMAT_QUIET_HOURS = "22:00-07:00"
    settings.KHEDMAT_QUIET_HOURS_TIME_ZONE = "Asia/Tehran"


class TestQuietHoursWindow:
    window = parse_quiet_hours("22:00-07:00", "Asia/Tehran")

    @pytest.mark.parametrize(
        ("now", "end"),
        [
            (tehran(23, 0), tehran(7, 0, day=11)),
            (tehran(22, 0), tehran(7, 0, day=11)),
            (tehran(3, 30), tehran(7, 0)),
            (tehran(6, 59), tehran(7, 0)),
        ],
    )
    def test_inside_the_window_ends_at_the_next_seven(
        self, now: dt.datetime, end: dt.datetime
    ) -> None:
        assert self.window is not None
        assert self.window.end_after(now) == end

    @pytest.mark.parametrize("now", [tehran(7, 0), tehran(12, 0), tehran(21, 59)])
    def test_outside_the_window_nothing_is_held(self, now: dt.datetime) -> None:
        assert self.window is not None
        assert self.window.end_after(now) is None

    def test_the_window_is_read_in_its_own_time_zone(self) -> None:
        assert self.window is not None
        utc_evening = dt.datetime(2025, 3, 10, 19, 0, tzinfo=dt.UTC)  # 22:30 in Tehran
        assert self.window.end_after(utc_evening) == tehran(7, 0, day=11)

    def test_a_daytime_window(self) -> None:
        window = parse_quiet_hours("13:00-14:00", "Asia/Tehran")
        assert window is not None
        assert window.end_after(tehran(13, 30)) == tehran(14, 0)
        assert window.end_after(tehran(14, 0)) is None

    @pytest.mark.parametrize("value", ["", "off", "OFF", "07:00-07:00"])
    def test_off(self, value: str) -> None:
        assert parse_quiet_hours(value, "Asia/Tehran") is None

    @pytest.mark.parametrize(
        ("value", "zone", "message"),
        [
            ("22-07", "Asia/Tehran", "is not a time of day"),
            ("22:00", "Asia/Tehran", "use HH:MM-HH:MM"),
            ("25:00-07:00", "Asia/Tehran", "is not a time of day"),
            ("22:00-07:00", "Mars/Olympus", "is not a known time zone"),
        ],
    )
    def test_bad_settings_fail_loudly(self, value: str, zone: str, message: str) -> None:
        with pytest.raises(ImproperlyConfigured, match=message):
            parse_quiet_hours(value, zone)

    def test_system_check_reports_a_bad_setting(self, settings: SettingsWrapper) -> None:
        settings.KHEDMAT_QUIET_HOURS = "late-early"
        errors = check_message_settings()
        assert [error.id for error in errors] == ["notifications.E001"]
        settings.KHEDMAT_QUIET_HOURS = "22:00-07:00"
        assert check_message_settings() == []

    @pytest.mark.usefixtures("quiet_nights")
    @pytest.mark.parametrize(
        ("kind", "held"),
        [
            (MessageKind.OTP, False),
            (MessageKind.TRANSACTIONAL, False),
            (MessageKind.NOTICE, True),
            (MessageKind.INFORMATIONAL, True),
            (MessageKind.PROMOTIONAL, True),
        ],
    )
    def test_only_non_urgent_kinds_wait(self, kind: str, held: bool) -> None:
        assert (quiet_until(kind, tehran(23)) is not None) is held


@pytest.mark.django_db
@pytest.mark.usefixtures("quiet_nights")
class TestQuietHoursHoldAndRelease:
    def test_non_urgent_message_queued_at_23_is_held_until_7_then_released(
        self, record: User
    ) -> None:
        message = queue(MessageKind.INFORMATIONAL, now=tehran(23), record=record)

        assert message.status == MessageStatus.HELD
        assert message.next_attempt_at == tehran(7, 0, day=11)
        assert message.task_id == ""
        assert message.queued_at is None
        held = Activity.objects.for_target(message).get()
        assert (held.verb, held.new_value) == ("message.held", "held")
        assert Activity.objects.for_target(record).filter(verb="message.held").count() == 1

        assert services.release_held_messages(now=tehran(6, 59, day=11)) == 0
        message.refresh_from_db()
        assert message.status == MessageStatus.HELD

        assert services.release_held_messages(now=tehran(7, 0, day=11)) == 1
        message.refresh_from_db()
        assert message.status == MessageStatus.QUEUED
        assert message.queued_at == tehran(7, 0, day=11)
        assert message.next_attempt_at is None
        assert message.task_id != ""
        verbs = list(Activity.objects.for_target(message).values_list("verb", flat=True))
        assert verbs == ["message.queued", "message.held"]

    def test_email_is_not_held(self) -> None:
        message = services.queue_message(
            channel=Channel.EMAIL,
            recipient="a@example.org",
            subject="s",
            body="b",
            kind=MessageKind.INFORMATIONAL,
            now=tehran(23),
        )
        assert message.status == MessageStatus.QUEUED

    def test_release_is_idempotent(self) -> None:
        queue(MessageKind.NOTICE, now=tehran(23))
        assert services.release_held_messages(now=tehran(8, day=11)) == 1
        assert services.release_held_messages(now=tehran(8, day=11)) == 0

    @pytest.mark.parametrize("kind", [MessageKind.OTP, MessageKind.TRANSACTIONAL])
    def test_codes_and_request_news_go_at_once(self, kind: str) -> None:
        message = queue(kind, now=tehran(23))
        assert message.status == MessageStatus.QUEUED
        assert message.next_attempt_at is None
        assert message.task_id != ""

    def test_opt_out_added_overnight_cancels_a_held_promotion(self) -> None:
        message = queue(MessageKind.PROMOTIONAL, now=tehran(23))
        services.opt_out_recipient("09121234567", channel=Channel.SMS, actor=None)

        assert services.release_held_messages(now=tehran(7, day=11)) == 0

        message.refresh_from_db()
        assert message.status == MessageStatus.CANCELLED
        assert message.last_error == "The recipient opted out of these messages."


@pytest.mark.django_db
class TestRateLimit:
    @pytest.fixture(autouse=True)
    def three_an_hour(self, settings: SettingsWrapper) -> None:
        settings.KHEDMAT_MESSAGE_RATE_LIMIT = 3
        settings.KHEDMAT_MESSAGE_RATE_WINDOW_SECONDS = 3600

    def test_transactional_over_the_limit_waits_for_room(self) -> None:
        start = tehran(10)
        sent = [
            queue(MessageKind.TRANSACTIONAL, now=start + dt.timedelta(minutes=i)) for i in range(3)
        ]
        assert [message.status for message in sent] == [MessageStatus.QUEUED] * 3

        fourth = queue(MessageKind.TRANSACTIONAL, now=start + dt.timedelta(minutes=10))

        assert fourth.status == MessageStatus.HELD
        assert fourth.next_attempt_at == start + dt.timedelta(
            hours=1
        )  # the first leaves the window
        assert services.release_held_messages(now=start + dt.timedelta(minutes=59)) == 0
        assert services.release_held_messages(now=start + dt.timedelta(hours=1)) == 1
        fourth.refresh_from_db()
        assert fourth.status == MessageStatus.QUEUED

    @pytest.mark.parametrize("kind", [MessageKind.OTP, MessageKind.PROMOTIONAL])
    def test_codes_and_promotions_over_the_limit_are_refused(self, kind: str) -> None:
        for minute in range(3):
            queue(MessageKind.TRANSACTIONAL, now=tehran(10, minute))

        refused = queue(kind, now=tehran(10, 5))

        assert refused.status == MessageStatus.CANCELLED
        assert refused.last_error == "Too many messages to this recipient: refused."
        assert refused.task_id == ""

    def test_the_limit_is_per_recipient_and_channel(self) -> None:
        for minute in range(3):
            queue(MessageKind.TRANSACTIONAL, now=tehran(10, minute))
        other = queue(MessageKind.OTP, now=tehran(10, 5), recipient="+989351234567")
        email = services.queue_message(
            channel=Channel.EMAIL,
            recipient="a@example.org",
            subject="s",
            body="b",
            kind=MessageKind.OTP,
            now=tehran(10, 5),
        )
        assert (other.status, email.status) == (MessageStatus.QUEUED, MessageStatus.QUEUED)

    def test_zero_means_no_limit(self, settings: SettingsWrapper) -> None:
        settings.KHEDMAT_MESSAGE_RATE_LIMIT = 0
        statuses = {queue(MessageKind.OTP, now=tehran(10, minute)).status for minute in range(6)}
        assert statuses == {MessageStatus.QUEUED}


@pytest.mark.django_db
class TestOptOut:
    @pytest.fixture(autouse=True)
    def opted_out(self, applicant: User) -> None:
        services.opt_out_recipient("0912 123 4567", channel=Channel.SMS, actor=applicant)

    @pytest.mark.parametrize("kind", [MessageKind.INFORMATIONAL, MessageKind.PROMOTIONAL])
    def test_optional_messages_are_not_sent(self, kind: str) -> None:
        message = queue(kind, now=tehran(10))
        assert message.status == MessageStatus.CANCELLED
        assert message.last_error == "The recipient opted out of these messages."
        assert message.task_id == ""

    @pytest.mark.parametrize(
        "kind", [MessageKind.OTP, MessageKind.TRANSACTIONAL, MessageKind.NOTICE]
    )
    def test_codes_request_news_and_legal_notices_cannot_be_refused(self, kind: str) -> None:
        assert queue(kind, now=tehran(10)).status == MessageStatus.QUEUED

    def test_opt_out_is_per_channel(self) -> None:
        message = services.queue_message(
            channel=Channel.EMAIL,
            recipient="A@Example.org",
            subject="s",
            body="b",
            kind=MessageKind.PROMOTIONAL,
            now=tehran(10),
        )
        assert message.status == MessageStatus.QUEUED
        assert message.recipient == "a@example.org"

    def test_opt_in_again(self, applicant: User) -> None:
        assert services.opt_in_recipient(GOOD_MOBILE, channel=Channel.SMS, actor=applicant)
        assert not services.opt_in_recipient(GOOD_MOBILE, channel=Channel.SMS, actor=applicant)
        assert queue(MessageKind.PROMOTIONAL, now=tehran(10)).status == MessageStatus.QUEUED


@pytest.mark.django_db
def test_rules_apply_inside_the_callers_transaction() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        queue(MessageKind.TRANSACTIONAL, now=tehran(10))
        raise RuntimeError("the business change fails")
    assert Message.objects.count() == 0
