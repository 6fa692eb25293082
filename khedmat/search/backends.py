"""The search backends: PostgreSQL full text + trigram, SQLite FTS5; chosen by the database vendor.

Both match the same documents for a query: every word of the normalised query is a prefix of a word
of the document's key (or, for a short query of several words, the words run together are). Order:
the title equal to the query, then titles starting with it, then the full-text rank, then (PostgreSQL)
the trigram similarity of the title.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import connection
from django.db.models import QuerySet
from django.utils.safestring import SafeString

from khedmat.search.highlight import highlight
from khedmat.search.keys import query_words

FTS_TABLE = "search_fts"
DEFAULT_LIMIT = 20


@dataclass(frozen=True)
class Hit:
    """One matching document: its id, its score (higher is better) and its highlighted title."""

    id: int
    score: float
    highlight: SafeString


class Backend(Protocol):
    def search(
        self, kind: str, query: str, *, limit: int, filters: Mapping[str, Any]
    ) -> list[Hit]: ...


KIND_PATTERN = re.compile(r"[a-z_]{1,32}")


def _kind_literal(kind: str) -> str:
    """The kind as an SQL literal: in the statement text, so a partial index per kind applies
    even to a generic (prepared) plan. Kinds are constants of our code, checked here."""
    if not KIND_PATTERN.fullmatch(kind):
        raise ValueError(f"bad search kind {kind!r}")
    return f"'{kind}'"


_TIER = "CASE WHEN e.title_key = %s THEN 0 WHEN e.title_key LIKE %s ESCAPE '\\' THEN 1 ELSE 2 END"


def _order(filters: Mapping[str, Any], ranked: str) -> str:
    """SQLite, `order="recent"`: newest documents first (no ranking: cheaper over many matches).

    PostgreSQL builds its own newest-first statement (`_recent_sql`).
    """
    if filters.get("order") == "recent":
        return " ORDER BY e.object_id + 0 DESC LIMIT %s"
    return ranked


#: How many of a kind's newest documents the PostgreSQL newest-first search tests before it asks
#: the full-text index (bench/bench_search.py, 1,000,000 requests): 10–20 ms of index walk,
#: which a rare word pays first. The desk asks 50 requests, so a word in at least 0.2 % of them
#: ends in the window; a rarer one has fewer than about 2,000 matches for the full-text index.
RECENT_WINDOW = 25_000


def _recent_sql(kind: str, where: str) -> str:
    """PostgreSQL, `order="recent"`: the newest matches in one statement, in two bounded steps.

    1. `recent`: walk the (kind, object_id) index backwards over the `RECENT_WINDOW` newest
       documents of the kind, keep those matching (and the filters), stop at the limit. Every
       document outside the window is older than every one inside, so when the window holds
       `limit` matches they are the newest of all: a common word ends here after a few hundred
       rows, instead of a bitmap scan of all its matches and a sort.
    2. Only when the window held fewer (a rare word: a name, a code), the full-text index, whose
       cost follows the number of matches (few, or the window would have held enough). The
       count of `recent` is a one-time filter: the other branch is never executed.

    The walk is bounded, so a rare word never reads the whole index (which an unbounded
    `ORDER BY object_id DESC` does: 330 ms for a unique code over a million requests).
    Parameters: window, tsquery, filter params, limit, the tier's key and LIKE prefix, limit,
    tsquery, filter params, limit, limit, tsquery. Both steps carry the entry's id only (a narrow
    sort); the returned rows are read by id, and their score (ts_rank, tier) computed, at the end.
    """
    # the joined parts are constants, the checked kind literal and %s placeholders, never user text
    return "".join(
        (
            "WITH recent AS MATERIALIZED (SELECT e.id FROM (",
            "SELECT id, object_id, scope, search_vector FROM search_searchentry WHERE kind = ",
            kind,
            " ORDER BY object_id DESC LIMIT %s) e, to_tsquery('simple', %s) q ",
            "WHERE e.search_vector @@ q",
            where,
            " ORDER BY e.object_id DESC LIMIT %s) ",
            "SELECT e.object_id, e.title, ts_rank(e.search_vector, q) AS rank, ",
            _TIER,
            " AS tier ",
            "FROM (SELECT id FROM recent WHERE (SELECT count(*) FROM recent) >= %s UNION ALL (",
            "SELECT e.id FROM search_searchentry e, to_tsquery('simple', %s) q ",
            "WHERE e.search_vector @@ q AND e.kind = ",
            kind,
            where,
            " AND (SELECT count(*) FROM recent) < %s ORDER BY e.object_id + 0 DESC LIMIT %s)) r ",
            "JOIN search_searchentry e ON e.id = r.id, to_tsquery('simple', %s) q ",
            "ORDER BY e.object_id DESC",
        )
    )


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _filter_sql(filters: Mapping[str, Any]) -> tuple[str, list[Any]]:
    """SQL conditions on `e` for the filters: scopes (a list) and within (a queryset of ids)."""
    sql: list[str] = []
    params: list[Any] = []
    scopes: Sequence[str] | None = filters.get("scopes")
    if scopes is not None:
        if not scopes:
            return " AND 1 = 0", []
        sql.append(f" AND e.scope IN ({', '.join(['%s'] * len(scopes))})")
        params.extend(scopes)
    within: QuerySet[Any] | None = filters.get("within")
    if within is not None:
        compiler = within.values_list("pk").query.get_compiler(connection=connection)
        subquery, subparams = compiler.as_sql()
        sql.append(f" AND e.object_id IN ({subquery})")
        params.extend(subparams)
    return "".join(sql), params


class PostgresBackend:
    """`search_vector` (tsvector, 'simple') @@ a prefix tsquery; ranked by ts_rank, then trigram."""

    def search(self, kind: str, query: str, *, limit: int, filters: Mapping[str, Any]) -> list[Hit]:
        words, compact = query_words(query)
        if not words:
            return []
        any_word = filters.get("match") == "any"
        tsquery = (" | " if any_word else " & ").join(f"{word}:*" for word in words)
        if compact and not any_word:
            tsquery = f"({tsquery}) | {compact}:*"
        key = " ".join(words)
        where, params = _filter_sql(filters)
        if filters.get("order") == "recent":
            sql = _recent_sql(_kind_literal(kind), where)
            args = [RECENT_WINDOW, tsquery, *params, limit, key, _like_prefix(key), limit]
            args += [tsquery, *params, limit, limit, tsquery]
            with connection.cursor() as cursor:
                cursor.execute(sql, args)
                rows = [(row[0], row[1], row[2], 0.0, row[3]) for row in cursor.fetchall()]
        else:
            # the joined parts are constants and %s placeholders, never user text
            sql = "".join(
                (
                    "SELECT e.object_id, e.title, ts_rank(e.search_vector, q) AS rank, ",
                    "similarity(e.title_key, %s) AS sim, ",
                    _TIER,
                    " AS tier FROM search_searchentry e, to_tsquery('simple', %s) q ",
                    "WHERE e.search_vector @@ q AND e.kind = ",
                    _kind_literal(kind),
                    where,
                    " ORDER BY tier, rank DESC, sim DESC, e.id LIMIT %s",
                )
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, [key, key, _like_prefix(key), tsquery, *params, limit])
                rows = cursor.fetchall()
        if not rows and filters.get("fuzzy"):
            return self.similar(kind, query, limit=limit, filters=filters)
        return [_hit(row[0], (2 - row[4]) + float(row[2]), row[1], query) for row in rows]

    def similar(
        self, kind: str, query: str, *, limit: int, filters: Mapping[str, Any]
    ) -> list[Hit]:
        """PostgreSQL only: titles similar to the query (pg_trgm `%`), for misspelt queries."""
        key = " ".join(query_words(query)[0])
        where, params = _filter_sql(filters)
        sql = "".join(
            (
                "SELECT e.object_id, e.title, similarity(e.title_key, %s) AS sim ",
                "FROM search_searchentry e WHERE e.title_key %% %s AND e.kind = ",
                _kind_literal(kind),
                where,
                " ORDER BY sim DESC, e.id LIMIT %s",
            )
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, key, *params, limit])
            return [_hit(row[0], float(row[2]), row[1], query) for row in cursor.fetchall()]


class SqliteBackend:
    """An FTS5 table (`search_fts`, rowid = the entry's id) MATCH a prefix query; bm25 rank."""

    def search(self, kind: str, query: str, *, limit: int, filters: Mapping[str, Any]) -> list[Hit]:
        words, compact = query_words(query)
        if not words:
            return []
        any_word = filters.get("match") == "any"
        match = (" OR " if any_word else " AND ").join(f'"{word}"*' for word in words)
        if compact and not any_word:
            match = f'({match}) OR "{compact}"*'
        key = " ".join(words)
        where, params = _filter_sql(filters)
        sql = "".join(
            (
                "SELECT e.object_id, e.title, bm25(search_fts) AS rank, ",
                _TIER,
                " AS tier FROM search_fts JOIN search_searchentry e ON e.id = search_fts.rowid ",
                "WHERE search_fts MATCH %s AND e.kind = ",
                _kind_literal(kind),
                where,
                _order(filters, " ORDER BY tier, rank, e.id LIMIT %s"),
            )
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, _like_prefix(key), match, *params, limit])
            rows = cursor.fetchall()
        return [_hit(row[0], (2 - row[3]) - float(row[2]), row[1], query) for row in rows]


def _hit(object_id: int, score: float, title: str, query: str) -> Hit:
    return Hit(id=object_id, score=score, highlight=highlight(title, query))


def backend() -> Backend:
    """The backend for the default database's vendor."""
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SqliteBackend()
    raise NotImplementedError(f"no search backend for {connection.vendor}")


def search(
    kind: str, query: str, *, limit: int = DEFAULT_LIMIT, filters: Mapping[str, Any] | None = None
) -> list[Hit]:
    """Documents of `kind` matching `query`, best first.

    Filters: `scopes` (a list of scope values), `within` (a queryset whose ids bound the result),
    `match="any"` (any word instead of every word), `order="recent"` (newest first), `fuzzy` (PostgreSQL: similar titles when
    nothing matches).
    """
    return backend().search(kind, query, limit=limit, filters=filters or {})
