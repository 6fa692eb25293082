"""Digit folding for input and localisation for display (R-34, §5.5)."""

from __future__ import annotations

import pytest
from pytest_django import Settings

from khedmat.core.digits import (
    fold_digits,
    is_ascii_digits,
    localize_digits,
    to_arabic_digits,
    to_persian_digits,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),
        ("0123456789", "0123456789"),
        ("۱۲۳٤٥٦", "123456"),
        ("۱۲٬۵۰۰٫۷۵", "12,500.75"),
        ("کد ۱۲ و ١٢", "کد 12 و 12"),
        ("", ""),
    ],
)
def test_fold_digits(text: str, expected: str) -> None:
    assert fold_digits(text) == expected


def test_to_persian_and_arabic_digits() -> None:
    assert to_persian_digits("12 ٣٤") == "۱۲ ۳۴"
    assert to_arabic_digits("12 ۳۴") == "١٢ ٣٤"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0123", True), ("1", True), ("", False), ("۱۲", False), ("12a", False), ("1 2", False)],
)
def test_is_ascii_digits(text: str, expected: bool) -> None:
    assert is_ascii_digits(text) is expected


def test_superscript_digits_are_not_ascii_digits() -> None:
    assert "²".isdigit()
    assert is_ascii_digits("²") is False


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fa", "۱۴۰۵/۰۱/۲۶"), ("fa-ir", "۱۴۰۵/۰۱/۲۶"), ("ar", "١٤٠٥/٠١/٢٦"), ("en", "1405/01/26")],
)
def test_localize_digits_native(settings: Settings, language: str, expected: str) -> None:
    settings.KHEDMAT_DIGITS_FA = "native"
    settings.KHEDMAT_DIGITS_AR = "native"
    assert localize_digits("1405/01/26", language) == expected


def test_localize_digits_folds_mixed_input_for_english() -> None:
    assert localize_digits("۱۲ ٣٤", "en") == "12 34"
    assert localize_digits("۱۲", "") == "12"


def test_arabic_with_latin_setting_gives_ascii(settings: Settings) -> None:
    settings.KHEDMAT_DIGITS_AR = "latin"
    settings.KHEDMAT_DIGITS_FA = "native"
    assert localize_digits("١٢٣ ۴۵6", "ar") == "123 456"
    assert localize_digits("123", "fa") == "۱۲۳"


def test_persian_with_latin_setting_gives_ascii(settings: Settings) -> None:
    settings.KHEDMAT_DIGITS_FA = "latin"
    settings.KHEDMAT_DIGITS_AR = "native"
    assert localize_digits("۱۲۳", "fa") == "123"
    assert localize_digits("123", "ar") == "١٢٣"
