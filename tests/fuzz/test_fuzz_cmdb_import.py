"""Fuzz: a CSV or XLSX file uploaded to the CMDB import (cmdb.transfer) is planned - every row
error named, nothing written - or refused with TransferError, whatever its bytes or cells."""

from __future__ import annotations

import io

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from khedmat.cmdb import transfer
from khedmat.cmdb.models import ConfigurationItem
from khedmat.cmdb.transfer.errors import TransferError
from tests.fuzz.settings import FUZZ

pytestmark = pytest.mark.django_db

HEADER = ["code", "name", "type", "status", "owner_team", "location", "description", "attr:ip"]
cells = st.one_of(
    st.none(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.text(max_size=30),
    st.sampled_from(['=HYPERLINK("x")', "server", "application", "active", "1404/01/01", "-"]),
)
rows = st.lists(st.lists(cells, min_size=0, max_size=len(HEADER) + 2), max_size=8)


def plan_or_refuse(content: bytes, sheet: str = transfer.ITEMS) -> None:
    before = ConfigurationItem.objects.count()
    try:
        plan = transfer.plan_import(transfer.read_upload(content, sheet=sheet))
    except TransferError as error:
        assert str(error.message)
        return
    for problem in plan.errors:
        assert problem.message and problem.row >= 0
    assert ConfigurationItem.objects.count() == before  # planning writes nothing


def csv_of(header: list[str], body: list[list[object]]) -> bytes:
    lines = [",".join(header)] + [
        ",".join(
            '"' + str(cell).replace('"', '""') + '"' if cell is not None else "" for cell in row
        )
        for row in body
    ]
    return "\n".join(lines).encode("utf-8")


def xlsx_of(header: list[str], body: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = transfer.ITEMS
    sheet.append(header)
    for row in body:
        # a workbook cannot hold control characters (openpyxl refuses to write them)
        sheet.append(
            [ILLEGAL_CHARACTERS_RE.sub("", cell) if isinstance(cell, str) else cell for cell in row]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@FUZZ
@given(body=rows, header=st.permutations(HEADER))
def test_any_csv_rows_are_planned_or_refused(body: list[list[object]], header: list[str]) -> None:
    plan_or_refuse(csv_of(list(header), body))


@FUZZ
@given(body=rows)
def test_any_workbook_cells_are_planned_or_refused(body: list[list[object]]) -> None:
    plan_or_refuse(xlsx_of(HEADER, body))


@FUZZ
@given(content=st.binary(max_size=400))
@example(content=b"PK\x03\x04" + b"\x00" * 40)
@example(content=b"\xef\xbb\xbfcode,name\n\x00")
@example(content=b"\xff\xfe")
def test_any_bytes_are_planned_or_refused(content: bytes) -> None:
    plan_or_refuse(content)


@FUZZ
@given(cut=st.integers(min_value=1, max_value=400))
def test_a_truncated_workbook_is_refused(cut: int) -> None:
    whole = xlsx_of(HEADER, [["web-1", "Web", "server", "active", "", "", "", "10.0.0.1"]])
    plan_or_refuse(whole[: max(1, len(whole) - cut)])
