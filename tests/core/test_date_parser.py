"""One parser of typed dates for every form: any digits, one Gregorian cut-off, three calendars."""

from __future__ import annotations

import datetime as dt

import pytest

from khedmat.calendars.forms import JalaliOrGregorianDateField
from khedmat.catalog.formbuilder.fields import LocalDateField as BuilderDateField
from khedmat.core.dates import GREGORIAN_FROM_YEAR, parse_local_date
from khedmat.core.forms import LocalDateField


@pytest.mark.parametrize(
    ("text", "calendar", "expected"),
    [
        ("1405/01/26", "jalali", dt.date(2026, 4, 15)),
        ("۱۴۰۵-۰۱-۲۶", "jalali", dt.date(2026, 4, 15)),
        ("١٤٤٧/١٠/٢٧", "hijri", dt.date(2026, 4, 15)),
        ("2026.04.15", "jalali", dt.date(2026, 4, 15)),
        ("2026-04-15", "hijri", dt.date(2026, 4, 15)),
        ("1799/01/01", "jalali", dt.date(2420, 3, 20)),  # below the cut-off: the local calendar
    ],
)
def test_typed_dates_read_the_same_everywhere(text: str, calendar: str, expected: dt.date) -> None:
    assert parse_local_date(text, calendar) == expected


@pytest.mark.parametrize("text", ["1405/12/31", "1405/13/01", "26/04/2026", "tomorrow"])
def test_a_date_that_does_not_exist_or_has_no_shape_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_local_date(text, "jalali")


def test_the_three_form_fields_share_the_cut_off() -> None:
    first_gregorian = f"{GREGORIAN_FROM_YEAR}-01-01"
    expected = dt.date(GREGORIAN_FROM_YEAR, 1, 1)
    assert LocalDateField().clean(first_gregorian) == expected
    assert JalaliOrGregorianDateField().clean(first_gregorian) == expected
    assert BuilderDateField(calendar="jalali").clean(first_gregorian) == expected
    assert JalaliOrGregorianDateField().clean("1405/01/26") == dt.date(2026, 4, 15)
