"""Staff password rules beyond Django's (ASVS 2.1): a length counted the way ASVS counts it, and a
breached-password check against a Pwned-Passwords-style range API with k-anonymity."""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

logger = logging.getLogger(__name__)

#: The part of the SHA-1 that leaves this machine: five hex digits, shared by ~half a million
#: passwords of the corpus, so the service cannot tell which one was asked about.
PREFIX_LENGTH = 5
SPACES = re.compile(r" {2,}")


def counted_length(password: str) -> int:
    """The password's length with each run of spaces counted once (ASVS 2.1.1)."""
    return len(SPACES.sub(" ", password))


class LengthValidator:
    """At least `min_length` characters (runs of spaces count once) and at most `max_length`:
    long passphrases are welcome, a megabyte-long one is refused before it is hashed."""

    def __init__(self, min_length: int = 12, max_length: int = 128) -> None:
        self.min_length = min_length
        self.max_length = max_length

    def validate(self, password: str, user: Any = None) -> None:
        if counted_length(password) < self.min_length:
            raise ValidationError(
                ngettext(
                    "This password is too short. It must contain at least %(min_length)d "
                    "character.",
                    "This password is too short. It must contain at least %(min_length)d "
                    "characters.",
                    self.min_length,
                ),
                code="password_too_short",
                params={"min_length": self.min_length},
            )
        if len(password) > self.max_length:
            raise ValidationError(
                _("This password is too long. It may contain at most %(max_length)d characters."),
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self) -> str:
        return _(
            "Your password must contain at least %(min_length)d characters; a long phrase is "
            "easier to remember than a short jumble."
        ) % {"min_length": self.min_length}


def sha1_hex(password: str) -> str:
    """The password's SHA-1 in upper-case hex, the corpus's own key (not a way to store it)."""
    return hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper()


def breach_count(password: str, *, url: str, timeout: float) -> int | None:
    """How often the corpus behind `url` has seen `password` (0: never); None when the service
    did not answer. Only the first five hex digits of its SHA-1 are sent: GET <url><prefix>
    answers "SUFFIX:COUNT" lines, and the suffix is matched here."""
    digest = sha1_hex(password)
    prefix, suffix = digest[:PREFIX_LENGTH], digest[PREFIX_LENGTH:]
    try:
        response = httpx.get(
            url.rstrip("/") + "/" + prefix,
            timeout=timeout,
            headers={"Add-Padding": "true", "User-Agent": "khedmat-password-check"},
        )
        response.raise_for_status()
    except httpx.HTTPError as error:
        logger.warning("breached-password check unavailable, password accepted: %s", error)
        return None
    for line in response.text.splitlines():
        candidate, _colon, count = line.strip().partition(":")
        if candidate.upper() == suffix:
            try:
                return int(count)
            except ValueError:
                return 1
    return 0


class BreachedPasswordValidator:
    """Refuses a password seen in a known breach (KHEDMAT_BREACHED_PASSWORD_URL; empty: off).

    Fails open: when the service cannot be reached in KHEDMAT_BREACHED_PASSWORD_TIMEOUT seconds
    the password is accepted (the other rules still apply) and a warning is logged.
    """

    def validate(self, password: str, user: Any = None) -> None:
        url = settings.KHEDMAT_BREACHED_PASSWORD_URL
        if not url:
            return
        count = breach_count(password, url=url, timeout=settings.KHEDMAT_BREACHED_PASSWORD_TIMEOUT)
        if count:
            raise ValidationError(
                _(
                    "This password has appeared in a data breach, so attackers try it first. "
                    "Choose another one."
                ),
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return _("Your password cannot be one that has appeared in a known data breach.")
