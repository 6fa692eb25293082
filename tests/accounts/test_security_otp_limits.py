"""Security review (issue 20, items 9 and 11): limits on SMS login codes that no rotation evades.

A site-wide budget of codes per minute and per hour holds however many addresses and mobiles ask
(item 9), and a mobile that collects too many wrong codes within 24 hours, over all its codes,
cannot log in by code until the window passes (item 11).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts import otp
from khedmat.accounts.errors import (
    InvalidCodeError,
    OtpMobileLockedError,
    OtpSiteBusyError,
)
from khedmat.accounts.models import LoginCode, User
from khedmat.core.digits import fold_digits
from khedmat.notifications.models import Message

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
MOBILE = "+989121234567"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("templates")]


def mobile(number: int) -> str:
    return f"+98912{number:07d}"


def send(to: str, *, ip: str, at: dt.datetime) -> LoginCode:
    return otp.send_login_code(to, ip_address=ip, language="en", now=at)


def code_of(row: LoginCode) -> str:
    body = Message.objects.get(idempotency_key=f"otp:{row.pk}").body
    match = re.search(r"\d{6}", fold_digits(body))
    assert match is not None
    return match.group()


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def seconds(n: float) -> dt.timedelta:
    return dt.timedelta(seconds=n)


# --- item 9: the site's budget ------------------------------------------------------------------


class TestSiteBudget:
    def test_codes_from_many_networks_stop_at_the_minute_budget(
        self, settings: SettingsWrapper
    ) -> None:
        settings.KHEDMAT_OTP_SITE_PER_MINUTE = 3
        for number in range(3):  # three mobiles, three unrelated /64s: no per-address limit bites
            send(mobile(number), ip=f"2001:db8:{number}::1", at=T0 + seconds(number * 10))

        with pytest.raises(OtpSiteBusyError) as caught:
            send(mobile(9), ip="2001:db8:99::1", at=T0 + seconds(40))

        assert caught.value.retry_after == 20  # the first code leaves the minute at T0 + 60 s
        assert LoginCode.objects.count() == 3
        assert Message.objects.filter(recipient=mobile(9)).count() == 0
        assert send(mobile(9), ip="2001:db8:99::1", at=T0 + seconds(61)).mobile == mobile(9)

    def test_the_hourly_budget_holds_when_every_minute_is_under_its_own(
        self, settings: SettingsWrapper
    ) -> None:
        settings.KHEDMAT_OTP_SITE_PER_HOUR = 4
        for number in range(4):
            send(mobile(number), ip=f"10.{number}.0.1", at=T0 + dt.timedelta(minutes=number * 5))

        with pytest.raises(OtpSiteBusyError) as caught:
            send(mobile(9), ip="10.9.0.1", at=T0 + dt.timedelta(minutes=30))

        assert caught.value.retry_after == 30 * 60
        assert not LoginCode.objects.filter(mobile=mobile(9)).exists()
        send(mobile(9), ip="10.9.0.1", at=T0 + dt.timedelta(minutes=60, seconds=1))

    def test_default_budget_is_on(self, settings: SettingsWrapper) -> None:
        assert settings.KHEDMAT_OTP_SITE_PER_MINUTE == 60
        assert settings.KHEDMAT_OTP_SITE_PER_HOUR == 1000

    def test_the_login_page_says_the_service_is_busy_and_sends_nothing(
        self, settings: SettingsWrapper
    ) -> None:
        settings.KHEDMAT_OTP_SITE_PER_MINUTE = 1
        now = timezone.now()
        send(mobile(1), ip="10.1.0.1", at=now)

        client = Client(REMOTE_ADDR="10.2.0.1", headers={"accept-language": "en"})
        response = client.post("/accounts/applicant/login/", {"mobile": "09121234567"})

        assert response.status_code == 200
        assert "The service is busy right now. Please try again in 1 minute." in response.text
        assert not LoginCode.objects.filter(mobile=MOBILE).exists()
        assert not Message.objects.filter(recipient=MOBILE).exists()


# --- item 11: wrong codes per mobile per day ----------------------------------------------------


def enter_wrong_codes(row: LoginCode, count: int, *, at: dt.datetime) -> None:
    for _ in range(count):
        with pytest.raises(InvalidCodeError):
            otp.verify_login_code(MOBILE, wrong(code_of(row)), ip_address="10.0.0.7", now=at)


class TestWrongCodesPerDay:
    def test_ten_wrong_codes_over_two_codes_stop_the_mobile_for_a_day(self) -> None:
        first = send(MOBILE, ip="10.0.0.7", at=T0)
        enter_wrong_codes(first, 5, at=T0 + seconds(10))  # the first code dies (5 tries)
        second = send(MOBILE, ip="10.0.0.8", at=T0 + seconds(61))
        enter_wrong_codes(second, 4, at=T0 + seconds(70))

        with pytest.raises(OtpMobileLockedError) as tenth:
            otp.verify_login_code(
                MOBILE, wrong(code_of(second)), ip_address=None, now=T0 + seconds(71)
            )
        assert tenth.value.retry_after == 24 * 3600 - 71  # the first code's 5 leave at T0 + 24 h

        with pytest.raises(OtpMobileLockedError):
            send(MOBILE, ip="10.0.0.9", at=T0 + dt.timedelta(hours=2))
        assert LoginCode.objects.filter(mobile=MOBILE).count() == 2  # no third code, no SMS
        assert Message.objects.filter(recipient=MOBILE).count() == 2

        third = send(MOBILE, ip="10.0.0.9", at=T0 + dt.timedelta(days=1, seconds=1))
        user = otp.verify_login_code(
            MOBILE, code_of(third), ip_address=None, now=T0 + dt.timedelta(days=1, seconds=2)
        )
        assert user.mobile == MOBILE

    def test_even_the_right_code_is_refused_past_the_cap(self, settings: SettingsWrapper) -> None:
        settings.KHEDMAT_OTP_WRONG_PER_MOBILE_DAY = 3
        row = send(MOBILE, ip="10.0.0.7", at=T0)
        enter_wrong_codes(row, 2, at=T0 + seconds(5))
        with pytest.raises(OtpMobileLockedError):
            otp.verify_login_code(MOBILE, wrong(code_of(row)), ip_address=None, now=T0 + seconds(6))

        with pytest.raises(OtpMobileLockedError):
            otp.verify_login_code(MOBILE, code_of(row), ip_address=None, now=T0 + seconds(7))

        row.refresh_from_db()
        assert (row.attempts, row.used_at) == (3, None)
        assert not User.objects.filter(mobile=MOBILE).exists()

    def test_other_mobiles_are_not_stopped(self, settings: SettingsWrapper) -> None:
        settings.KHEDMAT_OTP_WRONG_PER_MOBILE_DAY = 2
        row = send(MOBILE, ip="10.0.0.7", at=T0)
        enter_wrong_codes(row, 1, at=T0 + seconds(5))
        with pytest.raises(OtpMobileLockedError):
            otp.verify_login_code(MOBILE, wrong(code_of(row)), ip_address=None, now=T0 + seconds(6))

        other = send(mobile(5), ip="10.0.0.7", at=T0 + seconds(7))
        user = otp.verify_login_code(
            mobile(5), code_of(other), ip_address=None, now=T0 + seconds(8)
        )
        assert user.mobile == mobile(5)

    def test_the_code_page_explains_the_pause(self, settings: SettingsWrapper) -> None:
        settings.KHEDMAT_OTP_WRONG_PER_MOBILE_DAY = 2
        client = Client(headers={"accept-language": "en"})
        client.post("/accounts/applicant/login/", {"mobile": "09121234567"})
        row = LoginCode.objects.get(mobile=MOBILE)
        for _ in range(2):
            client.post("/accounts/applicant/code/", {"code": wrong(code_of(row))})

        response = client.post("/accounts/applicant/code/", {"code": code_of(row)})

        assert response.status_code == 200
        assert (
            "Too many wrong codes were entered for this mobile number. For your security, logging "
            "in by code is paused; try again in 24 hours." in response.text
        )
        assert client.session.get("_auth_user_id") is None
        again = client.post("/accounts/applicant/code/", {"resend": "1"}, follow=True)
        assert "logging in by code is paused" in again.text
        assert LoginCode.objects.filter(mobile=MOBILE).count() == 1

    def test_default_cap_is_ten(self, settings: SettingsWrapper) -> None:
        assert settings.KHEDMAT_OTP_WRONG_PER_MOBILE_DAY == 10
