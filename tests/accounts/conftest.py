"""Helpers for the accounts tests: real TOTP codes, confirmed devices, enrolment links, the fake
SMS fixtures."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from khedmat.accounts import services
from khedmat.accounts.models import User
from tests.notifications.conftest import fake_sms, templates, use_providers  # noqa: F401


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app would show for `device` now (or a step or more ahead)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return str(totp.token()).zfill(device.digits)


def wrong_code(device: TOTPDevice) -> str:
    """A six-digit code that the device refuses now."""
    accepted = {totp_code(device, steps_ahead=offset) for offset in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1000000) if f"{n:06d}" not in accepted)


@pytest.fixture
def make_device(db) -> Callable[[User], TOTPDevice]:  # type: ignore[no-untyped-def]
    def make(user: User) -> TOTPDevice:
        return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)

    return make


@pytest.fixture(autouse=True)
def no_device_throttle(settings) -> None:  # type: ignore[no-untyped-def]
    """django-otp's own exponential delay after a wrong code would slow the tests; ours remains."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def open_enrolment_link(client: Client, user: User, *, actor: User | None = None) -> str:
    """Issue an enrolment link for `user` (as an administrator would) and open it in `client`."""
    _link, token = services.issue_enrolment_link(user, actor=actor)
    url = reverse("accounts:enrolment_link", args=[token])
    client.get(url)
    return url
