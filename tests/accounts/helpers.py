"""Helpers of the accounts tests: real TOTP codes, enrolment links, the admin's change form."""

from __future__ import annotations

import time
from typing import Any

from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from khedmat.accounts import services
from khedmat.accounts.models import User


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


def open_enrolment_link(client: Client, user: User, *, actor: User | None = None) -> str:
    """Issue an enrolment link for `user` (as an administrator would) and open it in `client`."""
    _link, token = services.issue_enrolment_link(user, actor=actor)
    url = reverse("accounts:enrolment_link", args=[token])
    client.get(url)
    return url


NO_TEAMS = {"Team_members-TOTAL_FORMS": "0", "Team_members-INITIAL_FORMS": "0"}


def change_form_data(form: Any) -> dict[str, Any]:
    """The POST data of an unchanged admin form (editable fields only)."""
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if value is None:
            continue
        data[name] = value
    return data
