"""Newest-first search (`order="recent"`): the same matches, newest first, in one statement.

On PostgreSQL the statement walks the `RECENT_WINDOW` newest documents first and asks the
full-text index only when they hold fewer matches than the limit; these tests shrink the window
so both branches run on a few rows. Run this file with DATABASE_URL=postgres://… too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from khedmat.accounts.models import OrgUnit, User
from khedmat.search import backends
from khedmat.search.backends import search
from khedmat.search.services import index_document
from khedmat.tickets.indexing import request_search
from khedmat.tickets.models import Ticket
from tests.fixtures.tickets import Submit

KIND = "test"
RECENT = {"order": "recent"}

# object_id: title. "کتاب" in every even document; "دفتر" in the oldest and in the newest but one;
# "نادر" once, far outside a window of three.
DOCUMENTS = {
    object_id: " ".join(
        word
        for word, present in (
            ("کتاب", object_id % 2 == 0),
            ("دفتر", object_id in {1, 11}),
            ("نادر", object_id == 3),
            ("سند", True),
        )
        if present
    )
    for object_id in range(1, 13)
}


@pytest.fixture(params=[3, backends.RECENT_WINDOW], ids=["window-3", "window-default"])
def window(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(backends, "RECENT_WINDOW", request.param)
    return int(request.param)


@pytest.fixture
def documents(db: None) -> None:
    # filed out of order: the order is the document's id (newest = highest), not the insertion
    for object_id in sorted(DOCUMENTS, key=lambda n: (n * 7) % 13):
        scope = "staff" if object_id in {10, 12} else "public"
        index_document(KIND, object_id, title=DOCUMENTS[object_id], scope=scope)


def _ids(query: str, *, limit: int = 20, **filters: Any) -> list[int]:
    return [hit.id for hit in search(KIND, query, limit=limit, filters={**RECENT, **filters})]


def _expected(word: str, limit: int, excluded: frozenset[int] = frozenset()) -> list[int]:
    matching = [n for n, title in DOCUMENTS.items() if word in title.split() and n not in excluded]
    return sorted(matching, reverse=True)[:limit]


@pytest.mark.parametrize(
    ("word", "limit"),
    [
        ("کتاب", 2),  # the window of three (12, 11, 10) holds two: the newest two of all
        ("کتاب", 4),  # it holds fewer than four: the full-text index, still newest first
        ("دفتر", 5),  # one match inside the window and one far outside: both, once each
        ("نادر", 20),  # a rare word far outside the window
        ("سند", 20),  # every document
        ("ناموجود", 20),
    ],
)
def test_newest_first_returns_the_newest_matches_in_one_query(
    documents: None, window: int, word: str, limit: int
) -> None:
    with CaptureQueriesContext(connection) as queries:
        ids = _ids(word, limit=limit)
    assert ids == _expected(word, limit), connection.vendor
    assert len(queries) == 1


def test_newest_first_applies_the_filters_inside_and_outside_the_window(
    documents: None, window: int
) -> None:
    staff = frozenset({10, 12})
    assert _ids("کتاب", limit=2, scopes=["public"]) == _expected("کتاب", 2, staff)
    assert _ids("سند", limit=3, scopes=["staff"]) == [12, 10]
    assert _ids("کتاب", scopes=[]) == []


def test_newest_first_hits_keep_their_score_and_highlight(documents: None, window: int) -> None:
    (hit,) = search(KIND, "نادر", filters=RECENT)
    assert hit.score > 0
    assert hit.highlight == "<mark>نادر</mark> سند"


def _plan_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


def _full_text_scan_loops(query: str, limit: int) -> list[int]:
    """EXPLAIN ANALYZE of the statement search() runs: the loops of each scan of the table
    that tests the query itself (the full-text branch; the window's scan tests only the kind)."""
    statements: list[tuple[str, Any]] = []

    def capture(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        search(KIND, query, limit=limit, filters=RECENT)
    ((sql, params),) = statements
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        (document,) = cursor.fetchone()
    (root,) = document if isinstance(document, list) else json.loads(document)
    loops = []
    for node in _plan_nodes(root["Plan"]):
        conditions = " ".join(
            str(node.get(k, "")) for k in ("Filter", "Recheck Cond", "Index Cond")
        )
        if node.get("Relation Name") == "search_searchentry" and "@@" in conditions:
            loops.append(int(node["Actual Loops"]))
    return loops


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_asks_the_full_text_index_only_when_the_window_falls_short(
    documents: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backends, "RECENT_WINDOW", 3)
    assert set(_full_text_scan_loops("کتاب", 2)) == {0}  # the window held both: never executed
    assert max(_full_text_scan_loops("کتاب", 4)) >= 1  # it held two of four
    assert max(_full_text_scan_loops("نادر", 20)) >= 1


# --- the staff search over requests (/desk/search/) ---------------------------------------------


@pytest.fixture
def desk_agent(make_user: Callable[..., User], office: OrgUnit) -> User:
    return make_user("desk-agent", roles=["agent"], org_unit=office)


@pytest.fixture
def stranger(make_user: Callable[..., User]) -> User:
    unit = OrgUnit.objects.create(code="elsewhere", name="Elsewhere")
    return make_user("stranger", roles=["agent"], org_unit=unit)


@pytest.fixture
def filed(submit: Submit) -> list[Ticket]:
    """Four requests for the same shop, filed one after the other; the last one's shop name
    starts with the first one's tracking code (digits in the text of another request)."""
    tickets = [submit(submission_key=f"k{n}") for n in range(3)]
    code = tickets[0].tracking_code
    answers = {"shop_name": f"نانوایی {code}7", "opening_date": "2026-03-01"}
    tickets.append(submit(submission_key="k3", answers=answers))
    return tickets


def _codes(results: list[Any]) -> list[str]:
    return [result.ticket.tracking_code for result in results]


def test_a_common_word_lists_the_newest_requests_first_past_the_window(
    filed: list[Ticket], desk_agent: User, stranger: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    newest_first = [t.tracking_code for t in sorted(filed, key=lambda t: t.pk, reverse=True)]
    for size in (1, 2, backends.RECENT_WINDOW):
        monkeypatch.setattr(backends, "RECENT_WINDOW", size)
        assert _codes(request_search("نانوایی", desk_agent)) == newest_first
        assert _codes(request_search("نانوایی", desk_agent, limit=2)) == newest_first[:2]
        assert request_search("نانوایی", stranger) == []


def test_a_code_is_still_ranked_the_exact_code_first(
    filed: list[Ticket], desk_agent: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backends, "RECENT_WINDOW", 1)
    first, *_others, last = filed
    # the newer request mentions the code in its text; the request with that code comes first
    assert _codes(request_search(first.tracking_code, desk_agent)) == [
        first.tracking_code,
        last.tracking_code,
    ]


def test_short_digit_queries_go_newest_first_and_codes_are_ranked() -> None:
    from khedmat.tickets.indexing import request_order

    assert request_order("7") == "recent"  # a fifth of all requests: ranking them all is slow
    assert request_order("۱۲۳") == "recent"
    assert request_order("1234") == "ranked"
    assert request_order("8112 2299 0962") == "ranked"
    assert request_order("رضایی 7") == "recent"
