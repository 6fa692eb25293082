"""Template filters and tags for dates and digits, loaded in every template (a builtin)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone, translation

from khedmat.core import dates
from khedmat.core.digits import localize_digits

register = template.Library()


def _language() -> str:
    return (translation.get_language() or "fa")[:2]


@register.filter
def ldate(value: Any) -> str:
    """Jalali (fa), Hijri with Gregorian (ar) or Gregorian (en), in the language's digits."""
    return dates.format_date(value, _language()) if isinstance(value, dt.date) else ""


@register.filter
def ldatetime(value: Any) -> str:
    """Date and time in the active time zone and language."""
    if isinstance(value, dt.datetime):
        return dates.format_datetime(value, _language())
    return ldate(value)


@register.filter
def ltime(value: Any) -> str:
    """Hours and minutes in the active time zone and language."""
    return dates.format_time(value, _language()) if isinstance(value, dt.datetime | dt.time) else ""


@register.filter
def ldigits(value: Any) -> str:
    """Any value with its digits in the active language's form."""
    if value is None:
        return ""
    return localize_digits(str(value), _language())


@register.simple_tag
def today() -> str:
    """Today's date in the active language and time zone."""
    return dates.format_date(timezone.now(), _language())
