"""Iranian identifiers (requirements §5): normalise input in any digits to the stored ASCII form."""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from khedmat.core.digits import fold_digits, is_ascii_digits

# Spaces of any kind and the invisible marks (ZWNJ, bidi controls, BOM) an RTL copy-paste brings.
_BLANKS = re.compile(r"[\s\u00ad\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]+")
_DASHES = re.compile(r"[\-\u2010-\u2015\u2212]")
_PHONE_PUNCTUATION = re.compile(r"[().]+")
# re.ASCII: \d is 0-9 only, so digits of other scripts never slip through.
_MOBILE_SHAPE = re.compile(r"(?:\+98|0098|98|0)?(9\d{9})", re.ASCII)
_POSTAL_SHAPE = re.compile(r"(\d{5})-?(\d{5})", re.ASCII)
_POSTAL_HEURISTIC = re.compile(r"^(?!(\d)\1{3})[13-9]{4}[1346-9]-?[013-9]{5}$", re.ASCII)

_NATIONAL_CODE_WEIGHTS = range(10, 1, -1)
_LEGAL_ID_WEIGHTS = (29, 27, 23, 19, 17, 29, 27, 23, 19, 17)
_MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


def _compact(value: str) -> str:
    """Digits folded to ASCII, with spaces, dashes and bidi marks removed."""
    return _DASHES.sub("", _BLANKS.sub("", fold_digits(value)))


def _compact_keeping_dash(value: str) -> str:
    """Digits folded, spaces and bidi marks removed, any dash turned into an ASCII hyphen."""
    return _DASHES.sub("-", _BLANKS.sub("", fold_digits(value)))


def _all_equal(digits: str) -> bool:
    """True when every character of the string is the same."""
    return len(set(digits)) == 1


def normalize_national_code(value: str) -> str:
    """A national code (کد ملی) as 10 ASCII digits, or ValidationError."""
    digits = _compact(value)
    if not is_ascii_digits(digits) or not 8 <= len(digits) <= 10:
        raise ValidationError(_("Enter a national code of 10 digits."), code="national_code_format")
    digits = digits.zfill(10)
    if _all_equal(digits):
        raise ValidationError(_("This national code is not valid."), code="national_code_repeated")
    remainder = sum(int(d) * w for d, w in zip(digits, _NATIONAL_CODE_WEIGHTS, strict=False)) % 11
    expected = remainder if remainder < 2 else 11 - remainder
    if int(digits[9]) != expected:
        raise ValidationError(_("This national code is not valid."), code="national_code_checksum")
    return digits


def normalize_legal_id(value: str) -> str:
    """A legal national ID (شناسه ملی) as 11 ASCII digits, or ValidationError."""
    digits = _compact(value)
    if not is_ascii_digits(digits) or len(digits) != 11:
        raise ValidationError(_("Enter a national ID of 11 digits."), code="legal_id_format")
    if digits[3:9] == "000000" or _all_equal(digits):
        raise ValidationError(_("This national ID is not valid."), code="legal_id_pattern")
    offset = int(digits[9]) + 2
    total = sum((int(d) + offset) * w for d, w in zip(digits, _LEGAL_ID_WEIGHTS, strict=False))
    remainder = total % 11
    if remainder == 10:
        remainder = 0
    if int(digits[10]) != remainder:
        raise ValidationError(_("This national ID is not valid."), code="legal_id_checksum")
    return digits


def normalize_mobile(value: str) -> str:
    """An Iranian mobile number in E.164 form (+989XXXXXXXXX), or ValidationError."""
    compact = _PHONE_PUNCTUATION.sub("", _compact(value))
    match = _MOBILE_SHAPE.fullmatch(compact)
    if match is None:
        raise ValidationError(_("Enter a mobile number such as 09121234567."), code="mobile_format")
    number = phonenumbers.parse("+98" + match.group(1))
    if not _is_mobile(number):
        raise ValidationError(
            _("This is not a valid Iranian mobile number."), code="mobile_invalid"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _is_mobile(number: phonenumbers.PhoneNumber) -> bool:
    """True when the library's metadata knows the number as an assigned mobile range."""
    return phonenumbers.is_valid_number(number) and (
        phonenumbers.number_type(number) in _MOBILE_TYPES
    )


def normalize_postal_code(value: str) -> str:
    """A postal code as 10 ASCII digits (dash allowed after the fifth), or ValidationError."""
    match = _POSTAL_SHAPE.fullmatch(_compact_keeping_dash(value))
    if match is None:
        raise ValidationError(_("Enter a postal code of 10 digits."), code="postal_code_format")
    return match.group(1) + match.group(2)


def postal_code_looks_valid(value: str) -> bool:
    """Soft heuristic of §5.3 for a plausible postal code; for warnings only, never to reject."""
    return _POSTAL_HEURISTIC.match(_compact_keeping_dash(value)) is not None


def validate_national_code(value: object) -> None:
    """Django validator for a national code."""
    normalize_national_code(str(value))


def validate_legal_id(value: object) -> None:
    """Django validator for a legal national ID."""
    normalize_legal_id(str(value))


def validate_mobile(value: object) -> None:
    """Django validator for an Iranian mobile number."""
    normalize_mobile(str(value))


def validate_postal_code(value: object) -> None:
    """Django validator for a 10-digit postal code (format only, no heuristic)."""
    normalize_postal_code(str(value))
