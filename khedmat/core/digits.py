"""Digit folding for input (Persian/Arabic-Indic to ASCII) and localisation for display."""

from __future__ import annotations

from django.conf import settings

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
ASCII_DIGITS = "0123456789"
ARABIC_DECIMAL_SEPARATOR = "٫"
ARABIC_THOUSANDS_SEPARATOR = "٬"

_TO_ASCII = str.maketrans(
    PERSIAN_DIGITS + ARABIC_INDIC_DIGITS + ARABIC_DECIMAL_SEPARATOR + ARABIC_THOUSANDS_SEPARATOR,
    ASCII_DIGITS + ASCII_DIGITS + ".,",
)
_TO_PERSIAN = str.maketrans(ASCII_DIGITS + ARABIC_INDIC_DIGITS, PERSIAN_DIGITS + PERSIAN_DIGITS)
_TO_ARABIC = str.maketrans(ASCII_DIGITS + PERSIAN_DIGITS, ARABIC_INDIC_DIGITS + ARABIC_INDIC_DIGITS)


def fold_digits(text: str) -> str:
    """Persian and Arabic-Indic digits (and the Arabic decimal/thousands marks) to ASCII."""
    return text.translate(_TO_ASCII)


def to_persian_digits(text: str) -> str:
    """ASCII and Arabic-Indic digits to Persian digits."""
    return text.translate(_TO_PERSIAN)


def to_arabic_digits(text: str) -> str:
    """ASCII and Persian digits to Arabic-Indic digits."""
    return text.translate(_TO_ARABIC)


def is_ascii_digits(text: str) -> bool:
    """True when the text is one or more ASCII digits 0-9 and nothing else."""
    return text.isascii() and text.isdigit()


def localize_digits(text: str, language: str) -> str:
    """Digits as the language shows them: Persian for fa, Arabic-Indic for ar (configurable)."""
    language = (language or "")[:2]
    if language == "fa" and settings.KHEDMAT_DIGITS_FA == "native":
        return to_persian_digits(text)
    if language == "ar" and settings.KHEDMAT_DIGITS_AR == "native":
        return to_arabic_digits(text)
    return fold_digits(text)
