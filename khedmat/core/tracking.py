"""Tracking codes (R-15): random digits with a Damm check digit, validated before any lookup."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from khedmat.core.digits import fold_digits, is_ascii_digits

MIN_LENGTH = 10
MAX_LENGTH = 12
DEFAULT_LENGTH = 12

# Damm's totally anti-symmetric quasigroup of order 10: catches every single-digit error and
# every adjacent transposition.
_DAMM_TABLE = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

# What people type around a code they read aloud or copy: spaces, dashes, bidi marks.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u00ad\u200b-\u200f\u202a-\u202e\ufeff]+")


class TrackingCodeCollisionError(RuntimeError):
    """No unused tracking code was found within the allowed number of attempts."""


def _damm_interim(digits: str) -> int:
    """The Damm interim digit after processing every digit of an ASCII digit string."""
    interim = 0
    for char in digits:
        interim = _DAMM_TABLE[interim][ord(char) - 48]
    return interim


def damm_check_digit(digits: str) -> str:
    """The Damm check digit to append to a string of ASCII digits."""
    if not is_ascii_digits(digits):
        raise ValueError(f"damm_check_digit needs ASCII digits, got {digits!r}")
    return str(_damm_interim(digits))


def _check_length(length: int) -> None:
    """Refuse a code length outside the supported range."""
    if not MIN_LENGTH <= length <= MAX_LENGTH:
        raise ValueError(f"tracking code length must be {MIN_LENGTH}-{MAX_LENGTH}, got {length}")


def _random_code(length: int) -> str:
    """A random code of `length` digits: first digit 1-9, last digit the Damm check digit."""
    low = 10 ** (length - 2)
    body = str(low + secrets.randbelow(9 * low))
    return body + damm_check_digit(body)


def generate_tracking_code(
    length: int = DEFAULT_LENGTH,
    *,
    exists: Callable[[str], bool] | None = None,
    attempts: int = 10,
) -> str:
    """A new random tracking code of `length` digits that `exists` reports as unused."""
    _check_length(length)
    for _attempt in range(attempts):
        code = _random_code(length)
        if exists is None or not exists(code):
            return code
    raise TrackingCodeCollisionError(f"no unused tracking code found in {attempts} attempts")


def _compact(value: str) -> str:
    """Digits folded to ASCII, with separators removed."""
    return _SEPARATORS.sub("", fold_digits(value))


def _is_valid_compact(code: str, length: int | None) -> bool:
    """Length, leading digit and check digit of an already compacted code."""
    if not is_ascii_digits(code) or code[0] == "0":
        return False
    if length is None:
        if not MIN_LENGTH <= len(code) <= MAX_LENGTH:
            return False
    elif len(code) != length:
        return False
    return _damm_interim(code) == 0


def is_valid_tracking_code(value: str, length: int | None = None) -> bool:
    """True when the value (any digits, spaces or dashes) is a well-formed tracking code."""
    return _is_valid_compact(_compact(value), length)


def normalize_tracking_code(value: str, length: int | None = None) -> str:
    """The tracking code as ASCII digits, or ValidationError when it cannot be one of ours."""
    code = _compact(value)
    if not _is_valid_compact(code, length):
        raise ValidationError(
            _("This tracking code is not valid. Please check the digits."),
            code="invalid_tracking_code",
        )
    return code
