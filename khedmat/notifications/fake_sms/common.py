"""What the five fake providers share: the server they need, number shapes, small replies."""

from __future__ import annotations

import re
import time
from typing import Protocol

from khedmat.notifications.fake_sms.outbox import Outbox
from khedmat.notifications.fake_sms.wire import Response, text

NATIONAL = re.compile(r"^09\d{9}$")
INTERNATIONAL = re.compile(r"^\+989\d{9}$")
#: The template name every fake provider treats as missing or not approved.
UNAPPROVED_TEMPLATE = "unapproved"
PRICE = 1200


class Context(Protocol):
    """What the providers need from the server."""

    outbox: Outbox
    api_key: str
    username: str
    password: str
    domain: str
    credit: int

    def stall(self) -> None:
        """Sleep past the client's timeout (…0408)."""

    def out_of_credit(self, provider: str) -> bool:
        """Whether this provider's account has been emptied (POST /_credit)."""


def server_error() -> Response:
    """What a provider's front proxy says when the application behind it fails."""
    return text(500, "Internal Server Error")


def today() -> str:
    """Now as the providers print it."""
    return time.strftime("%Y-%m-%d %H:%M:%S")
