"""Template filters of the catalog pages: money, durations, frequencies."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import translation
from django.utils.translation import gettext as _

from khedmat.catalog.choices import DurationUnit, Frequency, FrequencyPeriod
from khedmat.catalog.money import amount_text, money_text
from khedmat.core.digits import localize_digits

register = template.Library()


def _language() -> str:
    return (translation.get_language() or "fa")[:2]


@register.filter
def money(fee: Any) -> str:
    """A fee row (or anything with amount and currency) as `۱۲۰٬۰۰۰ ریال`, or Free."""
    if fee is None:
        return ""
    return money_text(int(fee.amount), str(fee.currency), _language())


@register.filter
def fees_total(version: Any) -> str:
    """The fees of a card added up per currency, e.g. `۱٬۹۵۰٬۰۰۰ ریال`; Free when all are 0."""
    totals: dict[str, int] = {}
    for fee in version.fees.all():
        totals[fee.currency] = totals.get(fee.currency, 0) + int(fee.amount)
    shown = [
        money_text(amount, currency, _language()) for currency, amount in totals.items() if amount
    ]
    return " + ".join(shown) if shown else money_text(0, "IRR", _language())


@register.filter
def duration(version: Any) -> str:
    """The average duration with its unit, e.g. `۱۵ working days`."""
    unit = dict(DurationUnit.choices).get(version.duration_unit, version.duration_unit)
    return localize_digits(f"{version.duration_amount} {unit}", _language())


@register.filter
def frequency(version: Any) -> str:
    """How often the service may be received."""
    if version.frequency == Frequency.REPEATABLE:
        period = dict(FrequencyPeriod.choices).get(version.frequency_period, "")
        text = _("%(count)s times %(period)s") % {
            "count": version.frequency_count,
            "period": period,
        }
        return localize_digits(text, _language())
    return str(dict(Frequency.choices).get(version.frequency, version.frequency))


@register.filter
def grouped(value: Any) -> str:
    """A whole number with thousands separators, in the language's digits."""
    if value is None or value == "":
        return ""
    return amount_text(int(value), "IRR", _language())


@register.filter
def joined(values: Any) -> str:
    """Items joined with the language's comma."""
    separator = "، " if _language() in {"fa", "ar"} else ", "
    return separator.join(str(value) for value in values or [])
