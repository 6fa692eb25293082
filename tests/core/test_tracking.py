"""Tracking codes (R-15): random, unique, Damm-checked, rejected before any database lookup."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_django import DjangoAssertNumQueries

from khedmat.core.digits import to_arabic_digits, to_persian_digits
from khedmat.core.tracking import (
    TrackingCodeCollisionError,
    damm_check_digit,
    generate_tracking_code,
    is_valid_tracking_code,
    normalize_tracking_code,
)


@st.composite
def tracking_codes(draw: st.DrawFn) -> str:
    """Codes of 10-12 digits built the way the generator builds them."""
    length = draw(st.integers(min_value=10, max_value=12))
    body = str(draw(st.integers(min_value=10 ** (length - 2), max_value=10 ** (length - 1) - 1)))
    return body + damm_check_digit(body)


def _damm_accepts(code: str) -> bool:
    return damm_check_digit(code[:-1]) == code[-1]


# --- Damm algorithm ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("digits", "check"),
    [("572", "4"), ("5724", "0"), ("0", "0"), ("1", "3"), ("12345678901", "8")],
)
def test_damm_check_digit(digits: str, check: str) -> None:
    assert damm_check_digit(digits) == check


@pytest.mark.parametrize("digits", ["", "57a", "۵۷۲", "5 72"])
def test_damm_check_digit_needs_ascii_digits(digits: str) -> None:
    with pytest.raises(ValueError, match="ASCII digits"):
        damm_check_digit(digits)


# --- Generation -------------------------------------------------------------------------


def test_100000_codes_are_unique_and_valid() -> None:
    seen: set[str] = set()
    for _ in range(100_000):
        code = generate_tracking_code(exists=seen.__contains__)
        seen.add(code)
    assert len(seen) == 100_000
    assert all(len(code) == 12 and code.isdigit() for code in seen)
    assert all(is_valid_tracking_code(code) for code in seen)
    assert {code[0] for code in seen} == set("123456789")


@pytest.mark.parametrize("length", [10, 11, 12])
def test_configurable_length(length: int) -> None:
    codes = [generate_tracking_code(length) for _ in range(200)]
    assert {len(code) for code in codes} == {length}
    assert all(is_valid_tracking_code(code, length) for code in codes)
    assert not any(code.startswith("0") for code in codes)


@pytest.mark.parametrize("length", [0, 4, 9, 13])
def test_length_outside_10_to_12_is_refused(length: int) -> None:
    with pytest.raises(ValueError, match="tracking code length must be 10-12"):
        generate_tracking_code(length)


def test_codes_are_not_monotonic() -> None:
    codes = [int(generate_tracking_code()) for _ in range(1_000)]
    assert codes != sorted(codes)
    assert codes != sorted(codes, reverse=True)
    rises = sum(later > earlier for earlier, later in itertools.pairwise(codes))
    assert 350 < rises < 650
    steps = Counter(later - earlier for earlier, later in itertools.pairwise(codes))
    assert steps.most_common(1)[0][1] < 5


def test_collision_is_retried() -> None:
    asked: list[str] = []

    def exists(code: str) -> bool:
        asked.append(code)
        return len(asked) <= 3

    code = generate_tracking_code(exists=exists)
    assert len(asked) == 4
    assert code == asked[3]
    assert all(is_valid_tracking_code(candidate) for candidate in asked)


def test_gives_up_after_the_attempts() -> None:
    asked: list[str] = []

    def exists(code: str) -> bool:
        asked.append(code)
        return True

    with pytest.raises(TrackingCodeCollisionError, match="no unused tracking code found in 7"):
        generate_tracking_code(exists=exists, attempts=7)
    assert len(asked) == 7


# --- Error detection (hypothesis) -------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(tracking_codes())
def test_every_single_digit_substitution_is_rejected(code: str) -> None:
    assert is_valid_tracking_code(code)
    for position, original in enumerate(code):
        for digit in "0123456789":
            if digit == original:
                continue
            mistyped = code[:position] + digit + code[position + 1 :]
            assert not _damm_accepts(mistyped), mistyped
            assert not is_valid_tracking_code(mistyped), mistyped


@settings(max_examples=500, deadline=None)
@given(tracking_codes())
def test_every_adjacent_transposition_is_rejected(code: str) -> None:
    for position in range(len(code) - 1):
        first, second = code[position], code[position + 1]
        if first == second:
            continue
        swapped = code[:position] + second + first + code[position + 2 :]
        assert not _damm_accepts(swapped), swapped
        assert not is_valid_tracking_code(swapped), swapped


@given(tracking_codes())
def test_valid_code_in_any_digits_normalises_to_ascii(code: str) -> None:
    assert normalize_tracking_code(to_persian_digits(code)) == code
    assert normalize_tracking_code(to_arabic_digits(code)) == code


# --- Validation -------------------------------------------------------------------------


def test_separators_are_ignored() -> None:
    code = "12345678901" + damm_check_digit("12345678901")
    assert code == "123456789018"
    assert normalize_tracking_code("1234 5678 9018") == code
    assert normalize_tracking_code("1234-5678-9018") == code
    assert normalize_tracking_code(" ۱۲۳۴-۵۶۷۸-۹۰۱۸ ") == code


@pytest.mark.parametrize(
    ("value", "length"),
    [
        ("123456789018", 12),
        ("123456789018", None),
        ("1234567894", None),  # 10 digits
        ("1234567894", 10),
    ],
)
def test_valid_codes(value: str, length: int | None) -> None:
    assert damm_check_digit(value[:-1]) == value[-1]
    assert is_valid_tracking_code(value, length) is True


@pytest.mark.parametrize(
    ("value", "length"),
    [
        ("123456789017", None),  # wrong check digit
        ("123456789018", 10),  # valid code, other length asked for
        ("1234567894", 12),
        ("012345678906", None),  # Damm-valid but starts with 0: never issued
        ("123459", None),  # Damm-valid but too short
        ("1234567890123" + damm_check_digit("1234567890123"), None),  # too long
        ("12345678901a", None),
        ("", None),
        ("   ", None),
    ],
)
def test_invalid_codes(value: str, length: int | None) -> None:
    assert is_valid_tracking_code(value, length) is False
    with pytest.raises(ValidationError) as caught:
        normalize_tracking_code(value, length)
    assert caught.value.code == "invalid_tracking_code"


def test_leading_zero_and_short_vectors_pass_damm() -> None:
    assert _damm_accepts("012345678906")
    assert _damm_accepts("123459")


def test_invalid_code_message() -> None:
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            normalize_tracking_code("123456789017")
        assert caught.value.messages == [
            "This tracking code is not valid. Please check the digits."
        ]


@pytest.mark.django_db
def test_mistyped_code_is_rejected_without_a_query(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    with django_assert_num_queries(0):
        assert is_valid_tracking_code("123456789017") is False
        with pytest.raises(ValidationError):
            normalize_tracking_code("۱۲۳۴۵۶۷۸۹۰۱۷")
        assert normalize_tracking_code("123456789018") == "123456789018"
