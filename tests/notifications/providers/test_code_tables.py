"""Every documented status and error code of each provider maps to the enum and the right flags.

The expected values are written out here, not derived from the tables, so a change to a table
has to be made twice on purpose.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from khedmat.notifications.providers.base import DeliveryStatus as S
from khedmat.notifications.providers.common import ErrorRule, error_from_table
from khedmat.notifications.providers.ghasedak import GHASEDAK_ERRORS, ghasedak_status
from khedmat.notifications.providers.ippanel import (
    IPPANEL_ERRORS,
    IPPANEL_FIELD_ERRORS,
    ippanel_recipient_status,
    ippanel_state,
)
from khedmat.notifications.providers.kavenegar import KAVENEGAR_ERRORS, kavenegar_status
from khedmat.notifications.providers.magfa import MAGFA_ERRORS, magfa_status
from khedmat.notifications.providers.registry import report_status
from khedmat.notifications.providers.smsir import SMSIR_ERRORS, smsir_status

# (retryable, failover)
PERMANENT = (False, False)
FAILOVER = (False, True)
TEMPORARY = (True, True)

KAVENEGAR_STATUS_EXPECTED = {
    1: S.QUEUED,
    2: S.QUEUED,
    4: S.SENT,
    5: S.SENT,
    6: S.FAILED,
    10: S.DELIVERED,
    11: S.UNDELIVERED,
    13: S.CANCELLED,
    14: S.BLOCKED,
    50: S.UNKNOWN,
    100: S.UNKNOWN,
}
KAVENEGAR_ERROR_EXPECTED = {
    400: PERMANENT,
    402: TEMPORARY,
    403: FAILOVER,
    404: FAILOVER,
    405: FAILOVER,
    406: PERMANENT,
    407: FAILOVER,
    409: TEMPORARY,
    411: PERMANENT,
    412: FAILOVER,
    413: PERMANENT,
    414: PERMANENT,
    416: FAILOVER,
    417: PERMANENT,
    418: FAILOVER,
    419: PERMANENT,
    422: PERMANENT,
    424: PERMANENT,
    426: FAILOVER,
    428: PERMANENT,
    430: FAILOVER,
    431: PERMANENT,
    432: PERMANENT,
    101: FAILOVER,
    102: FAILOVER,
    103: FAILOVER,
    104: FAILOVER,
}

GHASEDAK_STATUS_EXPECTED = {
    0: S.QUEUED,
    1: S.FAILED,
    2: S.QUEUED,
    3: S.QUEUED,
    4: S.SENT,
    5: S.UNKNOWN,
    6: S.FAILED,
    7: S.CANCELLED,
    8: S.BLOCKED,
    9: S.QUEUED,
    10: S.SENT,
    11: S.SENT,
    12: S.BLOCKED,
    13: S.UNDELIVERED,
    14: S.DELIVERED,
    15: S.BLOCKED,
    16: S.FAILED,
    17: S.QUEUED,
}
GHASEDAK_ERROR_EXPECTED = {
    400: PERMANENT,
    401: FAILOVER,
    402: TEMPORARY,
    403: FAILOVER,
    404: FAILOVER,
    405: FAILOVER,
    406: FAILOVER,
    407: FAILOVER,
    409: TEMPORARY,
    411: PERMANENT,
    412: FAILOVER,
    413: PERMANENT,
    416: FAILOVER,
    418: FAILOVER,
    419: FAILOVER,
    420: PERMANENT,
    422: PERMANENT,
    424: PERMANENT,
    426: FAILOVER,
    428: PERMANENT,
    429: PERMANENT,
    451: PERMANENT,
    500: TEMPORARY,
}

IPPANEL_STATE_EXPECTED = {
    0: S.QUEUED,
    1: S.QUEUED,
    2: S.QUEUED,
    3: S.FAILED,
    4: S.FAILED,
    5: S.QUEUED,
    6: S.SENT,
    7: S.CANCELLED,
    8: S.FAILED,
    9: S.FAILED,
}
IPPANEL_RECIPIENT_EXPECTED = {
    0: S.SENT,
    1: S.SENT,
    2: S.DELIVERED,
    3: S.UNDELIVERED,
    4: S.BLOCKED,
}
IPPANEL_ERROR_EXPECTED = {
    400: PERMANENT,
    401: FAILOVER,
    403: FAILOVER,
    404: FAILOVER,
    422: PERMANENT,
    429: TEMPORARY,
    500: TEMPORARY,
}
IPPANEL_FIELD_EXPECTED = {
    "credit": FAILOVER,
    "recipients": PERMANENT,
    "recipient": PERMANENT,
    "from_number": FAILOVER,
    "message": PERMANENT,
    "code": PERMANENT,
    "params": PERMANENT,
}

MAGFA_STATUS_EXPECTED = {
    -1: S.UNKNOWN,
    0: S.QUEUED,
    1: S.DELIVERED,
    2: S.UNDELIVERED,
    8: S.SENT,
    16: S.FAILED,
}
MAGFA_ERROR_EXPECTED = {
    1: PERMANENT,
    2: FAILOVER,
    3: PERMANENT,
    4: PERMANENT,
    6: PERMANENT,
    8: TEMPORARY,
    13: PERMANENT,
    14: FAILOVER,
    15: TEMPORARY,
    16: FAILOVER,
    17: FAILOVER,
    18: FAILOVER,
    19: FAILOVER,
    20: FAILOVER,
    22: FAILOVER,
    23: TEMPORARY,
    24: PERMANENT,
    25: FAILOVER,
    27: PERMANENT,
    28: FAILOVER,
    29: FAILOVER,
    30: PERMANENT,
    31: PERMANENT,
    33: FAILOVER,
    34: PERMANENT,
    **dict.fromkeys(range(101, 111), PERMANENT),
}

SMSIR_STATUS_EXPECTED = {
    1: S.DELIVERED,
    2: S.UNDELIVERED,
    3: S.SENT,
    4: S.FAILED,
    5: S.SENT,
    6: S.FAILED,
    7: S.BLOCKED,
}
SMSIR_ERROR_EXPECTED = {
    0: TEMPORARY,
    10: FAILOVER,
    11: FAILOVER,
    12: FAILOVER,
    13: FAILOVER,
    14: FAILOVER,
    15: FAILOVER,
    16: PERMANENT,
    20: TEMPORARY,
    101: FAILOVER,
    102: FAILOVER,
    103: PERMANENT,
    104: PERMANENT,
    105: PERMANENT,
    106: PERMANENT,
    107: PERMANENT,
    108: PERMANENT,
    109: PERMANENT,
    110: PERMANENT,
    111: PERMANENT,
    112: PERMANENT,
    113: PERMANENT,
    114: PERMANENT,
    115: PERMANENT,
    116: PERMANENT,
    117: PERMANENT,
    118: PERMANENT,
    119: FAILOVER,
    123: FAILOVER,
}

STATUS_CASES = [
    *[
        ("kavenegar", kavenegar_status, code, want)
        for code, want in KAVENEGAR_STATUS_EXPECTED.items()
    ],
    *[("ghasedak", ghasedak_status, code, want) for code, want in GHASEDAK_STATUS_EXPECTED.items()],
    *[
        ("ippanel-state", ippanel_state, code, want)
        for code, want in IPPANEL_STATE_EXPECTED.items()
    ],
    *[
        ("ippanel-recipient", ippanel_recipient_status, code, want)
        for code, want in IPPANEL_RECIPIENT_EXPECTED.items()
    ],
    *[("magfa", magfa_status, code, want) for code, want in MAGFA_STATUS_EXPECTED.items()],
    *[("smsir", smsir_status, code, want) for code, want in SMSIR_STATUS_EXPECTED.items()],
]


@pytest.mark.parametrize(("table", "mapper", "code", "expected"), STATUS_CASES)
def test_status_code_maps_to_the_enum(table, mapper, code, expected):
    assert mapper(code) == expected
    assert mapper(str(code)) == expected  # JSON and form replies give numbers as text too


@pytest.mark.parametrize(
    "mapper",
    [kavenegar_status, ghasedak_status, ippanel_state, ippanel_recipient_status, magfa_status],
)
def test_an_undocumented_or_garbled_status_is_unknown(mapper):
    assert mapper(999) == S.UNKNOWN
    assert mapper("delivered") == S.UNKNOWN
    assert mapper(None) == S.UNKNOWN


def test_smsir_without_a_report_is_still_queued():
    assert smsir_status(None) == S.QUEUED
    assert smsir_status(999) == S.UNKNOWN


ERROR_TABLES: list[tuple[str, Mapping[Any, ErrorRule], Mapping[Any, tuple[bool, bool]]]] = [
    ("kavenegar", KAVENEGAR_ERRORS, KAVENEGAR_ERROR_EXPECTED),
    ("ghasedak", GHASEDAK_ERRORS, GHASEDAK_ERROR_EXPECTED),
    ("ippanel", IPPANEL_ERRORS, IPPANEL_ERROR_EXPECTED),
    ("ippanel-fields", IPPANEL_FIELD_ERRORS, IPPANEL_FIELD_EXPECTED),
    ("magfa", MAGFA_ERRORS, MAGFA_ERROR_EXPECTED),
    ("smsir", SMSIR_ERRORS, SMSIR_ERROR_EXPECTED),
]


@pytest.mark.parametrize(("name", "table", "expected"), ERROR_TABLES)
def test_every_documented_error_code_is_in_the_table(name, table, expected):
    assert sorted(map(str, table)) == sorted(map(str, expected))


ERROR_CASES = [
    (name, code, table[code], flags)
    for name, table, expected in ERROR_TABLES
    for code, flags in expected.items()
]


@pytest.mark.parametrize(("name", "code", "rule", "expected"), ERROR_CASES)
def test_error_code_sets_retryable_and_failover(name, code, rule: ErrorRule, expected):
    assert (rule.retryable, rule.failover) == expected


@pytest.mark.parametrize(
    ("code", "retryable", "failover"),
    [
        (418, False, True),
        (411, False, False),
        (424, False, False),
        (431, False, False),
        (409, True, True),
    ],
)
def test_the_error_raised_for_a_kavenegar_code_carries_code_flags_and_reason(
    code, retryable, failover
):
    error = error_from_table("kavenegar", KAVENEGAR_ERRORS, code, detail="متن", raw={"x": 1})
    assert (error.code, error.retryable, error.failover, error.raw) == (
        str(code),
        retryable,
        failover,
        {"x": 1},
    )
    assert str(error) == f"kavenegar: {KAVENEGAR_ERRORS[code].reason} (code {code}) [متن]"


def test_an_undocumented_error_code_fails_over_without_retrying():
    error = error_from_table("kavenegar", KAVENEGAR_ERRORS, 499)
    assert (error.code, error.retryable, error.failover) == ("499", False, True)
    assert str(error) == (
        "kavenegar: The provider returned an error this version does not know. (code 499)"
    )


def test_the_no_credit_reason_reads_the_same_for_every_provider():
    reasons = {
        str(KAVENEGAR_ERRORS[418].reason),
        str(GHASEDAK_ERRORS[418].reason),
        str(IPPANEL_FIELD_ERRORS["credit"].reason),
        str(MAGFA_ERRORS[14].reason),
        str(SMSIR_ERRORS[102].reason),
    }
    assert reasons == {"The provider account has no credit left."}


@pytest.mark.parametrize(
    ("provider", "code", "expected"),
    [
        ("kavenegar", "10", S.DELIVERED),
        ("kavenegar", "14", S.BLOCKED),
        ("ghasedak", "14", S.DELIVERED),
        ("ippanel", "2", S.DELIVERED),
        ("ippanel", "4", S.BLOCKED),
        ("magfa", "2", S.UNDELIVERED),
        ("smsir", "7", S.BLOCKED),
        ("console", "1", S.UNKNOWN),
        ("nobody", "10", S.UNKNOWN),
    ],
)
def test_report_status_maps_a_pushed_code_by_provider(provider, code, expected):
    assert report_status(provider, code) == expected


def test_an_undocumented_code_in_a_5xx_reply_is_also_retried():
    error = error_from_table("smsir", SMSIR_ERRORS, 77, http_status=502)

    assert (error.code, error.retryable, error.failover) == ("77", True, True)
    assert str(error) == "smsir: The provider had an internal error. (code 77)"
