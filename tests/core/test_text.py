"""Search normalisation (requirements §6): the §6.4 vectors and the ZWNJ/space variants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from khedmat.core.text import SHORT_QUERY_MAX_LENGTH, normalize_for_search, search_variants


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("كتاب", "کتاب"),
        ("علي", "علی"),
        ("علی", "علی"),
        ("على", "علی"),
        ("می\u200cشود", "میشود"),
        ("درخواستـــها", "درخواستها"),
        ("مُدارِک", "مدارک"),
        ("۱۲۳٤٥٦", "123456"),
        ("مدرسة", "مدرسه"),
        ("أحمد", "احمد"),
        ("إحمد", "احمد"),
        ("\ufedb\ufe98\ufe8e\ufe8f", "کتاب"),  # ﻛﺘﺎﺏ in presentation forms
    ],
)
def test_section_6_4_vectors(text: str, expected: str) -> None:
    assert normalize_for_search(text) == expected


def test_presentation_form_vector_is_really_presentation_forms() -> None:
    assert "ﻛﺘﺎﺏ" == "\ufedb\ufe98\ufe8e\ufe8f"
    assert normalize_for_search("ﻛﺘﺎﺏ") == "کتاب"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("خانۀ", "خانه"),  # heh with yeh above
        ("مسئول", "مسیول"),  # yeh with hamza, loose key
        ("مؤسسه", "موسسه"),  # waw with hamza, loose key
        ("ٱلله", "الله"),  # alef wasla
        ("آب", "آب"),  # alef with madda is kept
        ("ا\u0653ب", "آب"),  # decomposed madda composes to آ first
        ("رحمٰن", "رحمن"),  # superscript alef
        ("كِتَابٌ", "کتاب"),  # kasra, fatha, dammatan
        ("\u200fسلام\u200e\u200d\ufeff", "سلام"),  # RLM, LRM, ZWJ, BOM
        ("پیش\u00adنویس", "پیشنویس"),  # soft hyphen
        ("۳٫۵", "3.5"),  # Arabic decimal separator
        ("  فرم \u00a0\u00a0 درخواست\n\tجدید  ", "فرم درخواست جدید"),
        ("Khedmat ESD", "khedmat esd"),
        ("Straße", "strasse"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_other_folds(text: str, expected: str) -> None:
    assert normalize_for_search(text) == expected


def test_zwnj_and_no_space_forms_share_a_key() -> None:
    assert normalize_for_search("می‌شود") == normalize_for_search("میشود") == "میشود"


def test_spaced_query_also_tries_the_no_space_variant() -> None:
    assert search_variants("می شود") == ["می شود", "میشود"]
    assert normalize_for_search("می‌شود") in search_variants("می شود")


def test_query_without_spaces_has_one_variant() -> None:
    assert search_variants("مي‌شود") == ["میشود"]


def test_empty_query_has_no_variants() -> None:
    assert search_variants(" \u200c ") == []


def test_long_query_is_not_squashed() -> None:
    query = "درخواست " * 10
    key = normalize_for_search(query)
    assert len(key) > SHORT_QUERY_MAX_LENGTH
    assert search_variants(query) == [key]


def test_query_at_the_length_limit_is_squashed() -> None:
    query = "ab " + "c" * (SHORT_QUERY_MAX_LENGTH - 3)
    assert len(query) == SHORT_QUERY_MAX_LENGTH
    assert search_variants(query) == [query, query.replace(" ", "")]


_SEARCH_ALPHABET = st.sampled_from(
    [chr(code) for code in range(0x0621, 0x065F)]
    + list("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩ٰٱیکۀپچژگ")
    + list("abcXYZ0189 \u00a0\u200c\u200d\u200e\u200f\ufeff\u00ad\t")
    + [chr(code) for code in range(0xFE80, 0xFEFC)]
)


@given(st.text(alphabet=_SEARCH_ALPHABET, max_size=40))
def test_normalising_twice_changes_nothing(text: str) -> None:
    key = normalize_for_search(text)
    assert normalize_for_search(key) == key


@given(st.text(alphabet=_SEARCH_ALPHABET, max_size=40))
def test_key_has_no_folded_or_removed_characters(text: str) -> None:
    key = normalize_for_search(text)
    assert not set(key) & set("يىكةۀأإٱؤئـ\u200c\u200d\u00a0۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩")
    assert not any(0x064B <= ord(char) <= 0x065F or char == "\u0670" for char in key)
    assert key == key.strip()
    assert "  " not in key
