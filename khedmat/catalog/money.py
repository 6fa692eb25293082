"""Fee amounts for people (R-25): integers in the smallest unit, shown with the currency's decimals."""

from __future__ import annotations

from django.utils.translation import gettext as _

from khedmat.catalog.choices import CURRENCY_DECIMALS, Currency
from khedmat.core.digits import (
    ARABIC_DECIMAL_SEPARATOR,
    ARABIC_THOUSANDS_SEPARATOR,
    localize_digits,
)


def amount_text(amount: int, currency: str, language: str) -> str:
    """`120,000` (or `۱۲۰٬۰۰۰` in fa/ar); `123.45` for a currency with two decimals."""
    decimals = CURRENCY_DECIMALS.get(currency, 0)
    whole, fraction = divmod(abs(amount), 10**decimals) if decimals else (abs(amount), 0)
    text = f"{whole:,}"
    if decimals:
        text += f".{fraction:0{decimals}d}"
    if amount < 0:
        text = "-" + text
    if language[:2] in {"fa", "ar"}:
        text = text.translate(
            str.maketrans(",.", ARABIC_THOUSANDS_SEPARATOR + ARABIC_DECIMAL_SEPARATOR)
        )
    return localize_digits(text, language)


def money_text(amount: int, currency: str, language: str) -> str:
    """The amount with its unit, e.g. `۱۲۰٬۰۰۰ ریال`; `Free` for zero."""
    if amount == 0:
        return _("Free")
    label = dict(Currency.choices).get(currency, currency)
    return f"{amount_text(amount, currency, language)} {label}"
