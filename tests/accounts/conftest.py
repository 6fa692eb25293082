"""Accounts fixtures: confirmed devices, no django-otp throttle (helpers are in helpers.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from khedmat.accounts.models import User


@pytest.fixture
def make_device(db) -> Callable[[User], TOTPDevice]:  # type: ignore[no-untyped-def]
    def make(user: User) -> TOTPDevice:
        return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)

    return make


@pytest.fixture(autouse=True)
def no_device_throttle(settings) -> None:  # type: ignore[no-untyped-def]
    """django-otp's own exponential delay after a wrong code would slow the tests; ours remains."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
