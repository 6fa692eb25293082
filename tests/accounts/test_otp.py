"""Applicant login by SMS code: sending, rate limits, verifying, the applicant's profile."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts import otp
from khedmat.accounts.choices import Role
from khedmat.accounts.errors import (
    InvalidCodeError,
    NationalCodeLockedError,
    NationalCodeTakenError,
    OtpRateLimitedError,
)
from khedmat.accounts.models import LoginCode, User
from khedmat.core.digits import fold_digits
from khedmat.core.models import Activity
from khedmat.notifications.choices import MessageKind, MessageStatus
from khedmat.notifications.fake_sms import FakeSmsServer
from khedmat.notifications.models import Message
from tests.fixtures.notifications import install_default_templates, run_worker

MOBILE = "+989121234567"
OTHER_MOBILE = "+989351234567"
IP = "10.0.0.7"
T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.usefixtures("templates")


def send(mobile: str = MOBILE, *, at: dt.datetime = T0, ip: str | None = IP) -> LoginCode:
    return otp.send_login_code(mobile, ip_address=ip, language="en", now=at)


def sms_for(row: LoginCode) -> Message:
    return Message.objects.get(idempotency_key=f"otp:{row.pk}")


def code_of(row: LoginCode) -> str:
    """The plain code, read from the SMS queued for the row (the row itself only has a hash)."""
    match = re.search(r"\d{6}", fold_digits(sms_for(row).body))
    assert match is not None
    return match.group()


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def verbs(target: Any) -> list[str]:
    return list(Activity.objects.for_target(target).order_by("id").values_list("verb", flat=True))


def seconds(n: int) -> dt.timedelta:
    return dt.timedelta(seconds=n)


# --- sending ----------------------------------------------------------------------------------


@pytest.mark.django_db
class TestSendLoginCode:
    def test_queues_the_otp_sms_and_stores_only_a_hash(self) -> None:
        row = send("0912 123 4567")
        message = sms_for(row)
        code = code_of(row)

        assert (row.mobile, row.ip_address, row.attempts, row.used_at) == (MOBILE, IP, 0, None)
        assert (row.created_at, row.expires_at) == (T0, T0 + seconds(120))
        assert (message.kind, message.event, message.recipient) == (
            MessageKind.OTP,
            "otp",
            MOBILE,
        )
        assert message.status == MessageStatus.QUEUED
        assert message.language == "en"
        assert message.body == f"Your service desk login code: {code}\nDo not share it."
        assert re.fullmatch(r"[0-9a-f]{64}", row.code_hash)
        assert code not in row.code_hash
        assert code not in row.salt
        assert row.code_hash == otp.hash_login_code(MOBILE, code, row.salt)
        assert verbs(row) == ["login_code.sent", "message.queued"]

    def test_the_sms_is_in_the_requested_language(self) -> None:
        row = otp.send_login_code(MOBILE, ip_address=IP, language="fa", now=T0)
        message = sms_for(row)
        assert message.language == "fa"
        assert message.body.startswith("کد ورود شما به میز خدمت: ")
        assert code_of(row) in fold_digits(message.body)

    def test_each_row_has_its_own_salt_and_hash(self) -> None:
        first = send(at=T0)
        second = send(at=T0 + seconds(60))
        assert first.salt != second.salt
        assert first.code_hash != second.code_hash
        assert len(first.salt) == 32

    def test_a_new_code_kills_the_earlier_unused_ones(self) -> None:
        first = send(at=T0)
        second = send(at=T0 + seconds(60))
        first.refresh_from_db()
        assert first.expires_at == T0 + seconds(60)
        assert second.expires_at == T0 + seconds(180)

    def test_persian_digits_in_the_mobile_are_accepted(self) -> None:
        row = send("۰۹۱۲۱۲۳۴۵۶۷")
        assert row.mobile == MOBILE

    def test_an_invalid_mobile_is_refused_and_nothing_is_written(self) -> None:
        with pytest.raises(ValidationError) as caught:
            send("12345")
        assert caught.value.code == "mobile_format"
        assert LoginCode.objects.count() == 0
        assert Message.objects.count() == 0

    def test_a_staff_mobile_gets_no_sms(self, make_user: Callable[..., User]) -> None:
        make_user("clerk", roles=[Role.AGENT], mobile=OTHER_MOBILE)
        row = send(OTHER_MOBILE)
        assert LoginCode.objects.filter(pk=row.pk).exists()
        assert Message.objects.count() == 0
        assert verbs(row) == ["login_code.sent"]

    def test_ttl_comes_from_the_setting(self, settings: SettingsWrapper) -> None:
        settings.KHEDMAT_OTP_TTL_SECONDS = 300
        row = send()
        assert row.expires_at == T0 + seconds(300)


@pytest.mark.django_db
class TestRateLimits:
    def test_one_code_per_mobile_per_resend_interval(self) -> None:
        send(at=T0)
        with pytest.raises(OtpRateLimitedError) as caught:
            send(at=T0 + seconds(20))
        assert caught.value.retry_after == 40
        assert LoginCode.objects.count() == 1
        assert Message.objects.count() == 1
        assert otp.seconds_until_resend(MOBILE, now=T0 + seconds(20)) == 40
        assert otp.seconds_until_resend(MOBILE, now=T0 + seconds(60)) == 0
        send(at=T0 + seconds(60))
        assert LoginCode.objects.count() == 2

    def test_a_fraction_of_a_second_is_rounded_up(self) -> None:
        send(at=T0)
        with pytest.raises(OtpRateLimitedError) as caught:
            send(at=T0 + dt.timedelta(seconds=59, microseconds=500_000))
        assert caught.value.retry_after == 1

    def test_at_most_five_codes_per_mobile_per_hour(self) -> None:
        for minute in range(5):
            send(at=T0 + seconds(60 * minute), ip=f"10.0.1.{minute}")
        with pytest.raises(OtpRateLimitedError) as caught:
            send(at=T0 + seconds(300), ip="10.0.2.1")
        assert caught.value.retry_after == 3300  # when the first code leaves the hour
        assert LoginCode.objects.count() == 5
        with pytest.raises(OtpRateLimitedError) as caught:
            send(at=T0 + seconds(3599), ip="10.0.2.1")
        assert caught.value.retry_after == 1
        send(at=T0 + seconds(3600), ip="10.0.2.1")
        assert LoginCode.objects.count() == 6

    def test_at_most_twenty_codes_per_address_per_hour(self) -> None:
        for number in range(20):
            send(f"+98912000{number:04d}", at=T0 + seconds(number))
        with pytest.raises(OtpRateLimitedError) as caught:
            send(OTHER_MOBILE, at=T0 + seconds(30))
        assert caught.value.retry_after == 3570
        assert LoginCode.objects.count() == 20
        assert not Message.objects.filter(recipient=OTHER_MOBILE).exists()
        send(OTHER_MOBILE, at=T0 + seconds(30), ip="10.0.0.8")  # another address is not limited
        assert LoginCode.objects.filter(mobile=OTHER_MOBILE).count() == 1

    def test_limits_come_from_the_settings(self, settings: SettingsWrapper) -> None:
        settings.KHEDMAT_OTP_RESEND_SECONDS = 10
        settings.KHEDMAT_OTP_PER_MOBILE_HOUR = 2
        settings.KHEDMAT_OTP_PER_IP_HOUR = 3
        send(at=T0)
        with pytest.raises(OtpRateLimitedError) as caught:
            send(at=T0 + seconds(4))
        assert caught.value.retry_after == 6
        send(at=T0 + seconds(10))
        with pytest.raises(OtpRateLimitedError) as caught:
            send(at=T0 + seconds(20))
        assert caught.value.retry_after == 3580
        send(OTHER_MOBILE, at=T0 + seconds(20))
        with pytest.raises(OtpRateLimitedError) as caught:
            send("+989121111111", at=T0 + seconds(20))
        assert caught.value.retry_after == 3580


# --- verifying --------------------------------------------------------------------------------


@pytest.mark.django_db
class TestVerifyLoginCode:
    def test_the_right_code_creates_the_applicant_once(self) -> None:
        row = send()
        user = otp.verify_login_code(MOBILE, code_of(row), ip_address=IP, now=T0 + seconds(30))

        row.refresh_from_db()
        assert row.used_at == T0 + seconds(30)
        assert (user.username, user.mobile, user.national_code) == ("m989121234567", MOBILE, None)
        assert user.roles == frozenset({Role.APPLICANT})
        assert not user.has_usable_password()
        assert not user.is_staff
        assert verbs(row) == ["login_code.sent", "message.queued", "login_code.used"]
        assert Activity.objects.for_target(row).get(verb="login_code.used").actor == user

        again = send(at=T0 + seconds(90))
        same = otp.verify_login_code(MOBILE, code_of(again), ip_address=IP, now=T0 + seconds(100))
        assert same.pk == user.pk
        assert User.objects.filter(mobile=MOBILE).count() == 1
        assert verbs(user).count("user.created") == 1

    def test_an_existing_applicant_gets_their_account(self, applicant: User) -> None:
        row = send()
        user = otp.verify_login_code(MOBILE, code_of(row), ip_address=IP, now=T0)
        assert user.pk == applicant.pk
        assert User.objects.count() == 1

    def test_an_existing_account_without_roles_becomes_an_applicant(
        self, make_user: Callable[..., User]
    ) -> None:
        walk_in = make_user("walk-in", mobile=MOBILE, password=None)
        row = send()
        user = otp.verify_login_code(MOBILE, code_of(row), ip_address=IP, now=T0)
        assert user.pk == walk_in.pk
        assert user.roles == frozenset({Role.APPLICANT})

    def test_a_wrong_code_counts_an_attempt(self) -> None:
        row = send()
        with pytest.raises(InvalidCodeError):
            otp.verify_login_code(MOBILE, wrong(code_of(row)), ip_address=IP, now=T0)
        row.refresh_from_db()
        assert (row.attempts, row.used_at) == (1, None)
        assert User.objects.count() == 0
        rejected = Activity.objects.for_target(row).get(verb="login_code.rejected")
        assert rejected.data == {"attempts": 1, "ip_address": IP}
        user = otp.verify_login_code(MOBILE, code_of(row), ip_address=IP, now=T0)
        assert user.mobile == MOBILE

    def test_after_five_wrong_codes_the_right_one_is_refused(self) -> None:
        row = send()
        for _ in range(5):
            with pytest.raises(InvalidCodeError):
                otp.verify_login_code(MOBILE, wrong(code_of(row)), ip_address=IP, now=T0)
        with pytest.raises(InvalidCodeError):
            otp.verify_login_code(MOBILE, code_of(row), ip_address=IP, now=T0)
        row.refresh_from_db()
        assert (row.attempts, row.used_at) == (5, None)
        assert User.objects.count() == 0

    def test_max_attempts_comes_from_the_setting(self, settings: SettingsWrapper) -> None:
        settings.KHEDMAT_OTP_MAX_ATTEMPTS = 1
        row = send()
        with pytest.raises(InvalidCodeError):
            otp.verify_login_code(MOBILE, wrong(code_of(row)), ip_address=IP, now=T0)
        with pytest.raises(InvalidCodeError):
            otp.verify_login_code(MOBILE, code_of(row), ip_address=IP, now=T0)

    def test_an_expired_code_is_refused_without_counting(self) -> None:
        row = send()
        with pytest.raises(InvalidCodeError):
            otp.verify_login_code(MOBILE, code_of(row), ip_address=IP, now=T0 + seconds(120))
        row.refresh_from_db()
        assert (row.attempts, row.used_at) == (0, None)
        assert User.objects.count() == 0

    def test_an_expired_code_is_refused_at_the_real_time(self) -> None:
        row = otp.send_login_code(MOBILE, ip_address=IP, language="en")
        LoginCode.objects.filter(pk=row.pk).update(
            created_at=timezone.now() - seconds(200), expires_at=timezone.now() - seconds(80)
        )
        with pytest.raises(InvalidCodeError):
            otp.verify_login_code(MOBILE, code_of(row), ip_address=IP)
        assert User.objects.count() == 0

    def test_a_code_works_once(self) -> None:
        row = send()
        otp.verify_login_code(MOBILE, code_of(row), ip_address=IP, now=T0)
        with pytest.raises(InvalidCodeError):
            otp.verify_login_code(MOBILE, code_of(row), ip_address=IP, now=T0 + seconds(1))

    def test_only_the_newest_code_works(self) -> None:
        first = send(at=T0)
        second = send(at=T0 + seconds(60))
        with pytest.raises(InvalidCodeError):
            otp.verify_login_code(MOBILE, code_of(first), ip_address=IP, now=T0 + seconds(61))
        user = otp.verify_login_code(MOBILE, code_of(second), ip_address=IP, now=T0 + seconds(62))
        assert user.mobile == MOBILE

    def test_persian_and_arabic_digits_are_accepted(self) -> None:
        row = send()
        persian = code_of(row).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
        user = otp.verify_login_code("۰۹۱۲۱۲۳۴۵۶۷", persian, ip_address=IP, now=T0)
        assert user.mobile == MOBILE

        again = send(at=T0 + seconds(60))
        arabic = code_of(again).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
        assert otp.verify_login_code(MOBILE, arabic, ip_address=IP, now=T0 + seconds(61)) == user

    def test_a_code_for_another_mobile_is_refused(self) -> None:
        row = send()
        with pytest.raises(InvalidCodeError):
            otp.verify_login_code(OTHER_MOBILE, code_of(row), ip_address=IP, now=T0)
        with pytest.raises(InvalidCodeError):
            otp.verify_login_code("not a mobile", code_of(row), ip_address=IP, now=T0)

    def test_staff_cannot_log_in_with_a_code(self, make_user: Callable[..., User]) -> None:
        clerk = make_user("clerk", roles=[Role.OPERATOR], mobile=MOBILE)
        row = send()
        # Staff get no SMS; even someone who guessed the code gets the generic error.
        code = "123456"
        LoginCode.objects.filter(pk=row.pk).update(
            code_hash=otp.hash_login_code(MOBILE, code, row.salt)
        )
        with pytest.raises(InvalidCodeError):
            otp.verify_login_code(MOBILE, code, ip_address=IP, now=T0)
        row.refresh_from_db()
        assert row.used_at == T0  # burnt
        assert "login_code.refused" in verbs(row)
        assert User.objects.count() == 1
        clerk.refresh_from_db()
        assert clerk.last_login is None

    def test_a_superuser_cannot_log_in_with_a_code(self, make_user: Callable[..., User]) -> None:
        root = make_user("root", mobile=MOBILE)
        User.objects.filter(pk=root.pk).update(is_superuser=True)
        row = send()
        code = "654321"
        LoginCode.objects.filter(pk=row.pk).update(
            code_hash=otp.hash_login_code(MOBILE, code, row.salt)
        )
        with pytest.raises(InvalidCodeError):
            otp.verify_login_code(MOBILE, code, ip_address=IP, now=T0)

    def test_an_inactive_account_cannot_log_in(self, applicant: User) -> None:
        User.objects.filter(pk=applicant.pk).update(is_active=False)
        row = send()
        with pytest.raises(InvalidCodeError):
            otp.verify_login_code(MOBILE, code_of(row), ip_address=IP, now=T0)

    def test_without_any_code_the_answer_is_the_same(self) -> None:
        with pytest.raises(InvalidCodeError):
            otp.verify_login_code(MOBILE, "123456", ip_address=IP, now=T0)
        assert User.objects.count() == 0


# --- the profile ------------------------------------------------------------------------------


@pytest.fixture
def newcomer(templates: None) -> User:
    """An applicant just made by their first login (no name, no national code)."""
    row = send(OTHER_MOBILE)
    return otp.verify_login_code(OTHER_MOBILE, code_of(row), ip_address=IP, now=T0)


@pytest.mark.django_db
class TestCompleteApplicantProfile:
    def test_saves_the_name_and_national_code_with_an_activity(self, newcomer: User) -> None:
        assert not otp.profile_is_complete(newcomer)
        otp.complete_applicant_profile(
            newcomer,
            first_name=" Maryam ",
            last_name="Karimi",
            national_code="۱۲۳۴۵۶۷۸۹۱",
            actor=newcomer,
        )
        newcomer.refresh_from_db()
        assert (newcomer.first_name, newcomer.last_name, newcomer.national_code) == (
            "Maryam",
            "Karimi",
            "1234567891",
        )
        assert otp.profile_is_complete(newcomer)
        activity = Activity.objects.for_target(newcomer).get(verb="user.profile_completed")
        assert activity.actor == newcomer
        assert activity.old_value == {"first_name": "", "last_name": "", "national_code": None}
        assert activity.new_value == {
            "first_name": "Maryam",
            "last_name": "Karimi",
            "national_code": "1234567891",
        }

    def test_an_unchanged_profile_writes_nothing(self, newcomer: User) -> None:
        fields = {"first_name": "Maryam", "last_name": "Karimi", "national_code": "1234567891"}
        otp.complete_applicant_profile(newcomer, **fields, actor=newcomer)
        otp.complete_applicant_profile(newcomer, **fields, actor=newcomer)
        assert verbs(newcomer).count("user.profile_completed") == 1

    def test_a_wrong_checksum_is_refused(self, newcomer: User) -> None:
        with pytest.raises(ValidationError) as caught:
            otp.complete_applicant_profile(
                newcomer,
                first_name="Maryam",
                last_name="Karimi",
                national_code="1234567890",
                actor=newcomer,
            )
        assert caught.value.code == "national_code_checksum"
        assert caught.value.messages == ["This national code is not valid."]
        newcomer.refresh_from_db()
        assert (newcomer.first_name, newcomer.national_code) == ("", None)
        assert "user.profile_completed" not in verbs(newcomer)

    def test_an_empty_name_is_refused(self, newcomer: User) -> None:
        with pytest.raises(ValidationError) as caught:
            otp.complete_applicant_profile(
                newcomer,
                first_name=" ",
                last_name="Karimi",
                national_code="1234567891",
                actor=newcomer,
            )
        assert caught.value.message_dict == {"first_name": ["This field is required."]}

    def test_a_national_code_of_another_account_is_refused(
        self, newcomer: User, applicant: User
    ) -> None:
        with pytest.raises(NationalCodeTakenError):
            otp.complete_applicant_profile(
                newcomer,
                first_name="Maryam",
                last_name="Karimi",
                national_code=applicant.national_code or "",
                actor=newcomer,
            )
        newcomer.refresh_from_db()
        assert newcomer.national_code is None

    def test_a_verified_national_code_is_not_changed(
        self, newcomer: User, verify_national_code: Callable[[User], User]
    ) -> None:
        fields = {"first_name": "Maryam", "last_name": "Karimi"}
        otp.complete_applicant_profile(
            newcomer, **fields, national_code="1234567891", actor=newcomer
        )
        verify_national_code(newcomer)
        with pytest.raises(NationalCodeLockedError):
            otp.complete_applicant_profile(
                newcomer, **fields, national_code="2720202551", actor=newcomer
            )
        newcomer.refresh_from_db()
        assert newcomer.national_code == "1234567891"


# --- end to end -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_code_reaches_the_fake_sms_provider(
    use_providers: Callable[..., dict[str, Any]], fake_sms: FakeSmsServer
) -> None:
    install_default_templates()
    use_providers("kavenegar")
    row = otp.send_login_code("09121234567", ip_address=IP, language="en")
    code = code_of(row)
    assert fake_sms.outbox() == []  # nothing leaves inside the request

    run_worker()

    [entry] = fake_sms.outbox()
    assert entry["recipient"] == "09121234567"
    assert entry["text"] == f"Your service desk login code: {code}\nDo not share it."
    message = sms_for(row)
    assert (message.status, message.provider) == (MessageStatus.SENT, "kavenegar")
    assert code not in row.code_hash
    user = otp.verify_login_code(MOBILE, code, ip_address=IP)
    assert user.mobile == MOBILE


def test_a_code_the_outbox_refuses_is_not_claimed_as_sent(settings: SettingsWrapper) -> None:
    """The outbox's own hourly cap per recipient cancels the SMS: the applicant is told to wait."""
    settings.KHEDMAT_MESSAGE_RATE_LIMIT = 1
    settings.KHEDMAT_OTP_RESEND_SECONDS = 0
    first = send()
    assert sms_for(first).status != MessageStatus.CANCELLED

    with pytest.raises(OtpRateLimitedError) as raised:
        send(at=T0 + dt.timedelta(minutes=2))

    assert raised.value.retry_after == settings.KHEDMAT_MESSAGE_RATE_WINDOW_SECONDS
    assert LoginCode.objects.count() == 1
    assert Message.objects.filter(kind=MessageKind.OTP).count() == 1


def test_login_codes_older_than_a_day_are_pruned_on_the_tick() -> None:
    from khedmat.jobs.tick import tick_handler_names

    old = send()
    recent = send(OTHER_MOBILE, at=T0 + dt.timedelta(days=1, hours=1))

    assert "khedmat.accounts.otp.prune_login_codes" in tick_handler_names()
    assert otp.prune_login_codes(now=T0 + dt.timedelta(days=1, hours=2)) == 1
    assert list(LoginCode.objects.values_list("pk", flat=True)) == [recent.pk]
    assert "login_code.sent" in verbs(old)
