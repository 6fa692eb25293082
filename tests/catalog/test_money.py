"""Fees as integers with a unit (R-25), shown with the currency's decimals and the language's digits."""

from __future__ import annotations

import pytest
from django.utils import translation

from khedmat.catalog.money import amount_text, money_text


@pytest.mark.parametrize(
    ("amount", "currency", "language", "text"),
    [
        (1_200_000, "IRR", "en", "1,200,000"),
        (1_200_000, "IRR", "fa", "۱٬۲۰۰٬۰۰۰"),
        (1_200_000, "IRR", "ar", "١٬٢٠٠٬٠٠٠"),
        (12_345, "IRR_NEW", "en", "123.45"),
        (12_345, "IRR_NEW", "fa", "۱۲۳٫۴۵"),
        (5, "IRR_NEW", "en", "0.05"),
        (150_000, "IRT", "en", "150,000"),
        (-2_500, "SAR", "en", "-25.00"),
    ],
)
def test_amounts_use_the_currencys_decimals_and_the_languages_digits(
    amount, currency, language, text
):
    assert amount_text(amount, currency, language) == text


def test_money_names_the_unit_and_says_free_for_zero():
    with translation.override("en"):
        assert money_text(12_345, "IRR_NEW", "en") == "123.45 new rial"
        assert money_text(1_000, "IRR", "en") == "1,000 rial"
        assert money_text(0, "IRR", "en") == "Free"
