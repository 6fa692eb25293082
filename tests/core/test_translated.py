"""One fallback for texts kept per language: the wanted language, then fa, ar, en."""

from __future__ import annotations

from types import SimpleNamespace

from django.utils import translation

from khedmat.calendars.models import localized_name
from khedmat.core.translated import active_text_language, translated_text


def test_the_wanted_language_then_persian_then_arabic_then_english() -> None:
    row = SimpleNamespace(title_fa="پروانه", title_ar="رخصة", title_en="")
    assert translated_text(row, "title", "ar") == "رخصة"
    assert translated_text(row, "title", "en") == "پروانه"
    only_english = SimpleNamespace(title_fa="", title_ar="", title_en="Licence")
    assert translated_text(only_english, "title", "ar") == "Licence"
    assert translated_text(SimpleNamespace(), "title", "fa") == ""


def test_the_active_language_is_the_default_and_an_unknown_one_reads_persian() -> None:
    row = SimpleNamespace(name_fa="نوروز", name_ar="النوروز", name_en="Nowruz")
    with translation.override("ar"):
        assert translated_text(row, "name") == "النوروز"
        assert localized_name(row) == "النوروز"  # the calendars' names read through it too
    with translation.override("de"):
        assert active_text_language() == "fa"
        assert translated_text(row, "name") == "نوروز"
