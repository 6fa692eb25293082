"""Jalali, Hijri and Gregorian display (esd-requirements §7, R-42)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import translation

from khedmat.core import dates


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2026, 3, 21), "1405/01/01"),
        (dt.date(2026, 11, 22), "1405/09/01"),
        (dt.date(2025, 3, 20), "1403/12/30"),
    ],
)
def test_jalali_conversion_vectors(day, expected):
    assert dates.jalali_numeric(day) == expected


def test_persian_date_uses_month_name_and_persian_digits():
    assert dates.format_date(dt.date(2026, 11, 22), "fa") == "۱ آذر ۱۴۰۵"


def test_arabic_date_shows_hijri_then_gregorian_in_arabic_indic_digits():
    text = dates.format_date(dt.date(2026, 3, 20), "ar")
    assert text.startswith("١ شوال ١٤٤٧ هـ")
    assert "(٢٠ مارس ٢٠٢٦)" in text


def test_arabic_date_outside_umm_al_qura_falls_back_to_gregorian():
    text = dates.format_date(dt.date(2078, 1, 1), "ar")
    assert "هـ" not in text
    assert "٢٠٧٨" in text


def test_english_date_is_gregorian_with_latin_digits():
    assert dates.format_date(dt.date(2026, 11, 22), "en") == "22 November 2026"


def test_datetime_is_shown_in_tehran_time_though_stored_in_utc():
    stored = dt.datetime(2026, 11, 22, 20, 45, tzinfo=dt.UTC)  # 00:15 next day in Tehran
    assert dates.format_datetime(stored, "en") == "23 November 2026, 00:15"
    assert dates.format_datetime(stored, "fa") == "۲ آذر ۱۴۰۵، ۰۰:۱۵"


def test_arabic_digits_can_be_latin_by_setting(settings):
    settings.KHEDMAT_DIGITS_AR = "latin"
    assert dates.format_date(dt.date(2026, 3, 20), "ar").startswith("1 شوال 1447")


def test_template_filters_follow_the_active_language():
    template = Template("{{ day|ldate }}|{{ number|ldigits }}")
    context = Context({"day": dt.date(2026, 11, 22), "number": 1405})
    with translation.override("fa"):
        assert template.render(context) == "۱ آذر ۱۴۰۵|۱۴۰۵"
    with translation.override("ar"):
        assert template.render(context).endswith("|١٤٠٥")
    with translation.override("en"):
        assert template.render(context) == "22 November 2026|1405"


def test_empty_values_render_as_nothing():
    assert dates.format_date(None, "fa") == ""
    assert Template("{{ missing|ldatetime }}").render(Context({})) == ""
