"""Security review (issue 20, item 10): an IPv6 client is limited by its /64, not by one address.

A home or office gets a whole /64; rotating through it must not reset the per-address limits of
password logins and of SMS login codes. The Activity rows still keep the full address.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts import otp, views
from khedmat.accounts.errors import OtpRateLimitedError
from khedmat.accounts.models import LoginCode, LoginFailure, User
from khedmat.core.models import Activity

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def attempt(username: str, password: str, ip: str) -> str:
    client = Client(REMOTE_ADDR=ip)
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return response.content.decode()


@pytest.mark.django_db
def test_password_guesses_rotating_within_a_64_are_refused_together(
    applicant: User, staff_password: str
) -> None:
    for index in range(20):  # KHEDMAT_LOGIN_MAX_FAILURES x 4, from twenty addresses of one /64
        attempt(f"guess-{index}", "wrong-password-123", f"2001:db8:7:1::{index + 1:x}")

    same_network = attempt("applicant", staff_password, "2001:db8:7:1:abcd::9")
    other_network = Client(REMOTE_ADDR="2001:db8:7:2::1").post(
        "/accounts/login/", {"username": "applicant", "password": staff_password}
    )

    assert str(views.LOCKED_OUT) in same_network
    assert other_network.status_code == 302
    assert set(LoginFailure.objects.values_list("ip_address", flat=True)) == {"2001:db8:7:1::"}


@pytest.mark.django_db
@pytest.mark.usefixtures("templates")
def test_login_codes_asked_from_one_64_share_the_hourly_cap(settings: SettingsWrapper) -> None:
    settings.KHEDMAT_OTP_PER_IP_HOUR = 2
    mobiles = ["+989121111111", "+989122222222", "+989123333333"]

    for number, mobile in enumerate(mobiles[:2], start=1):
        otp.send_login_code(mobile, ip_address=f"2001:db8::{number}", language="en", now=T0)
    with pytest.raises(OtpRateLimitedError):
        otp.send_login_code(mobiles[2], ip_address="2001:db8::ff", language="en", now=T0)
    otp.send_login_code(mobiles[2], ip_address="2001:db8:0:1::1", language="en", now=T0)

    assert LoginCode.objects.count() == 3
    sent = Activity.objects.filter(verb="login_code.sent").order_by("id")
    assert [row.data["ip_address"] for row in sent] == [
        "2001:db8::1",
        "2001:db8::2",
        "2001:db8:0:1::1",
    ]
