"""docs/security/asvs-l2.md stays honest: one row per ASVS 4.0.3 level 1+2 requirement, every
status known, every open or not-applicable row says why, and every test it names exists."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

from tests.core.test_security_ratelimits import CASES

ROOT = Path(__file__).resolve().parents[1]
CHECKLIST = ROOT / "docs" / "security" / "asvs-l2.md"
#: ASVS 4.0.3 has 259 requirements at level 1 or 2 (128 of them level 1).
REQUIREMENTS = 259
LEVEL_ONE = 128
STATUSES = {"done", "n/a", "open"}
ROW = re.compile(r"^\| (V\d+\.\d+\.\d+) \|")
NODE_ID = re.compile(r"\btests/[\w/]+\.py(?:::\w+)*")
HAMMER = re.compile(r"hammer: (\w+)")


def rows() -> list[list[str]]:
    """The requirement rows: id, level, requirement, status, where, test or reason."""
    found = []
    for line in CHECKLIST.read_text(encoding="utf-8").splitlines():
        if ROW.match(line):
            found.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return found


@cache
def definitions(path: str) -> dict[str, set[str]]:
    """Top-level test functions ("" key) and each class's methods in a test module."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    names: dict[str, set[str]] = {"": set()}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names[""].add(node.name)
        elif isinstance(node, ast.ClassDef):
            names[""].add(node.name)
            names[node.name] = {
                item.name
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            }
    return names


def exists(node_id: str) -> bool:
    path, *parts = node_id.split("::")
    if not (ROOT / path).is_file():
        return False
    names = definitions(path)
    if not parts:
        return True
    if len(parts) == 1:
        return parts[0] in names[""]
    return len(parts) == 2 and parts[1] in names.get(parts[0], set())


def test_every_requirement_has_one_row_with_a_known_status() -> None:
    table = rows()
    ids = [row[0] for row in table]
    assert len(ids) == len(set(ids)) == REQUIREMENTS
    assert sum(row[1] == "L1" for row in table) == LEVEL_ONE
    assert {row[0]: row[3] for row in table if row[3] not in STATUSES} == {}
    assert all(len(row) == 6 for row in table)


def test_no_open_or_not_applicable_row_without_a_reason() -> None:
    silent = [
        row[0]
        for row in rows()
        if row[3] in {"open", "n/a"} and len(NODE_ID.sub("", row[5]).strip(" ,.-")) < 15
    ]
    assert silent == []


def test_work_in_progress_is_still_open() -> None:
    claimed = [row[0] for row in rows() if "in progress" in row[5] and row[3] != "open"]
    assert claimed == []


def test_every_done_row_says_where_or_how() -> None:
    assert [row[0] for row in rows() if row[3] == "done" and not row[5].strip(" -")] == []


def test_every_named_test_exists() -> None:
    text = CHECKLIST.read_text(encoding="utf-8")
    named = set(NODE_ID.findall(text))
    assert len(named) > 60  # the scan reads the node ids (a broken pattern would pass on nothing)
    assert sorted(node for node in named if not exists(node)) == []


def test_the_inventory_names_real_hammer_cases() -> None:
    named = HAMMER.findall(CHECKLIST.read_text(encoding="utf-8"))
    assert sorted(named) == sorted(CASES)


def test_the_checker_sees_a_missing_test() -> None:
    assert exists("tests/test_asvs_checklist.py::test_every_named_test_exists")
    assert exists(
        "tests/core/test_security_sessions.py::TestCookies::test_session_and_csrf_cookies_over_https"
    )
    assert not exists("tests/test_asvs_checklist.py::test_that_does_not_exist")
    assert not exists("tests/core/test_security_sessions.py::TestCookies::test_nothing")
    assert not exists("tests/no_such_module.py")
