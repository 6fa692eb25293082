"""Search latency (p50/p95) over 1,000,000 requests and 10,000 articles on PostgreSQL.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/khedmat_bench_search \\
     .venv/bin/python bench/bench_search.py [--requests 1000000] [--articles 10000] [--samples 30]

PostgreSQL only (SQLite's FTS5 is the embedded default, not the scale target). The database is
migrated first: use a scratch database and drop it afterwards. The script empties the search index
(search_searchentry), drops its GIN indexes, loads the rows with one INSERT … SELECT FROM
generate_series per kind (names, national codes, tracking codes, service titles and answer words
picked arithmetically from fixed Persian word lists, about 10 % of the titles written with Arabic
ي/ك, one word in the oldest tenth of the requests only), recreates the GIN indexes, ANALYZEs, then
times khedmat.search.backends.search() for each query (warm, `--samples` calls each) and prints
how many documents match, the hits and p50/p95, then the EXPLAIN ANALYZE of the statements the
staff search sends (a common word, a unique name) and of the trigram fallback.
Requests are timed as the staff search asks for them (words newest first, codes ranked), articles
ranked (title match, ts_rank, trigram similarity), public scope. `--skip-load` times the rows an
earlier run left in the database; `--limit` is the hits asked for (the desk asks 50).

Words newest first: PostgreSQL walks the `RECENT_WINDOW` newest requests and asks the full-text
index only when they hold fewer matches than the limit (khedmat.search.backends._recent_sql); the
"matches" column says how many requests match, so which way a line went.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_process_steps import percentile, use_database

FIRST_NAMES = [
    "علی",
    "محمد",
    "زهرا",
    "فاطمه",
    "حسین",
    "رضا",
    "مریم",
    "سارا",
    "مهدی",
    "نرگس",
    "امیر",
    "نیما",
    "لیلا",
    "کاظم",
    "یاسر",
    "کیان",
    "مینا",
    "یوسف",
    "کوثر",
    "نازنین",
]
LAST_NAMES = [
    "رضایی",
    "کریمی",
    "احمدی",
    "محمدی",
    "حسینی",
    "کاظمی",
    "موسوی",
    "جعفری",
    "یزدانی",
    "کرمانی",
    "تهرانی",
    "شیرازی",
    "اکبری",
    "نیکپور",
    "یگانه",
    "کیانی",
    "باقری",
    "صادقی",
    "قاسمی",
    "ملکی",
    "رحیمی",
    "نوری",
    "کامرانی",
    "یعقوبی",
    "سلیمانی",
]
SERVICES = [
    "صدور پروانه کسب",
    "تمدید پروانه کسب",
    "ثبت شکایت",
    "گواهی عدم سوء پیشینه",
    "صدور کارت بازرگانی",
    "تغییر نشانی",
    "درخواست مجوز ساخت",
    "ثبت نام کلاس",
    "استعلام مالیاتی",
    "صدور پایان کار",
]
WORDS = [
    "کتاب",
    "مدارک",
    "درخواست",
    "پروانه",
    "کسب",
    "شکایت",
    "مالیات",
    "کارت",
    "ملی",
    "نشانی",
    "مدرسه",
    "تمدید",
    "ثبت",
    "گواهی",
    "بازرگانی",
    "مجوز",
    "ساخت",
    "کلاس",
    "استعلام",
    "پایان",
    "شهرداری",
    "بیمه",
    "یارانه",
    "کارشناس",
    "پیگیری",
    "رسید",
    "پرداخت",
    "هزینه",
    "زمان",
    "سامانه",
    "نوبت",
    "حضوری",
    "اینترنتی",
    "پیامک",
    "کد",
    "رهگیری",
    "اعتراض",
    "پاسخ",
    "بررسی",
    "تایید",
]

ARCHIVED = "بایگانی"  # in the oldest tenth of the requests only

QUERIES = [
    ("article: Arabic kaf كتاب", "article", "كتاب"),
    ("article: two words, ي/ك", "article", "مدارك پروانه"),
    ("article: rare pair", "article", "یارانه رهگیری"),
    ("request: name علي رضايي", "request", "علي رضايي"),
    ("request: name, 1 % of rows", "request", "یوسف یعقوبی"),
    ("request: unique name", "request", "کوروش هخامنشی"),
    ("request: tracking-code prefix", "request", "{code_prefix}"),
    ("request: whole tracking code", "request", "{code}"),
    ("request: national code (Persian)", "request", "{national_code}"),
    ("request: service words, 10 % of rows", "request", "کارت بازرگانی"),
    ("request: one service word", "request", "بازرگانی"),
    ("request: name + digit, 0.2 % of rows", "request", "یوسف یعقوبی ۳"),
    ("request: a word of the oldest 10 % only", "request", "{archived}"),
    ("request: one digit (ranked)", "request", "1"),
]


def _array(words: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + word + "'" for word in words) + "]"


def _pick(array: str, length: int, multiplier: int) -> str:
    return f"({array})[1 + ((i::bigint * {multiplier}) % {length})]"


def load(requests: int, articles: int) -> None:
    from django.db import connection

    first, last = _array(FIRST_NAMES), _array(LAST_NAMES)
    service, word = _array(SERVICES), _array(WORDS)
    first_pick = _pick(first, len(FIRST_NAMES), 7)
    last_pick = _pick(last, len(LAST_NAMES), 13)
    service_pick = _pick(service, len(SERVICES), 3)
    words = " || ' ' || ".join(_pick(word, len(WORDS), prime) for prime in (11, 17, 23, 29, 31))
    code = "(100000000000 + (i::bigint * 982451653) % 899999999999)::text"
    national = "lpad(((i::bigint * 7919) % 10000000000)::text, 10, '0')"
    name = f"{first_pick} || ' ' || {last_pick}"
    arabic = "translate(n.name, 'یک', 'يك')"
    statements = [
        "DROP INDEX IF EXISTS search_entry_vector_idx",
        "DROP INDEX IF EXISTS search_entry_title_trgm_idx",
        "DROP INDEX IF EXISTS search_entry_article_vector_idx",
        "DROP INDEX IF EXISTS search_entry_request_vector_idx",
        "TRUNCATE search_searchentry",
        # requests: title = the applicant's name (10 % in Arabic letters), title_key = the code;
        # S608: the interpolated parts are this script's constants and integers
        "INSERT INTO search_searchentry (kind, object_id, scope, title, title_key, key) "  # noqa: S608
        f"SELECT 'request', i, '', CASE WHEN i % 10 = 0 THEN {arabic} ELSE n.name END, n.code, "
        "n.name || ' ' || n.code || ' ' || n.national || ' ' || n.service || ' ' || n.words "
        # a word of the oldest tenth only (a service no longer offered): none in the newest
        f"|| CASE WHEN i <= {requests // 10} THEN ' {ARCHIVED}' ELSE '' END "
        f"FROM generate_series(1, {requests}) AS i, LATERAL (SELECT {name} AS name, {code} AS code, "
        f"{national} AS national, {service_pick} AS service, {words} AS words) AS n",
        # articles: a title of three words and a body of five words repeated, public or staff
        "INSERT INTO search_searchentry (kind, object_id, scope, title, title_key, key) "  # noqa: S608
        "SELECT 'article', i, CASE WHEN i % 4 = 3 THEN 'staff' ELSE 'public' END, "
        "translate(n.title, 'یک', 'يك'), n.title, n.title || ' ' || n.body "
        f"FROM generate_series(1, {articles}) AS i, LATERAL (SELECT "
        f"{_pick(word, len(WORDS), 37)} || ' ' || {_pick(word, len(WORDS), 41)} || ' ' || "
        f"{_pick(word, len(WORDS), 43)} AS title, "
        f"repeat({words} || ' ', 20) AS body) AS n",
        # one applicant with a name nobody else has (a rare-word query)
        "INSERT INTO search_searchentry (kind, object_id, scope, title, title_key, key) "  # noqa: S608
        f"VALUES ('request', {requests + 1}, '', 'كوروش هخامنشي', '199999999999', "
        "'کوروش هخامنشی 199999999999 0012345678 ثبت شکایت')",
        "CREATE INDEX search_entry_vector_idx ON search_searchentry USING gin (search_vector)",
        "CREATE INDEX search_entry_title_trgm_idx ON search_searchentry "
        "USING gin (title_key gin_trgm_ops)",
        "CREATE INDEX search_entry_article_vector_idx ON search_searchentry "
        "USING gin (search_vector) WHERE kind = 'article'",
        "CREATE INDEX search_entry_request_vector_idx ON search_searchentry "
        "USING gin (search_vector) WHERE kind = 'request'",
        "ANALYZE search_searchentry",
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            started = time.perf_counter()
            cursor.execute(statement)
            print(f"  {time.perf_counter() - started:7.1f} s  {statement[:70]}")


def sample_values() -> dict[str, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT title_key, key FROM search_searchentry WHERE kind = 'request' "
            "ORDER BY object_id LIMIT 1 OFFSET 4242"
        )
        code, key = cursor.fetchone()
    national = key.split(" ")[3]
    persian = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    return {
        "code": code,
        "code_prefix": code[:5],
        "national_code": national.translate(persian),
        "archived": ARCHIVED,
    }


def matches(kind: str, query: str) -> int:
    """How many documents of `kind` match (the backends' tsquery: every word a prefix)."""
    from django.db import connection

    from khedmat.search.keys import query_words

    words, compact = query_words(query)
    tsquery = " & ".join(f"{word}:*" for word in words)
    if compact:
        tsquery = f"({tsquery}) | {compact}:*"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM search_searchentry "
            "WHERE kind = %s AND search_vector @@ to_tsquery('simple', %s)",
            [kind, tsquery],
        )
        return int(cursor.fetchone()[0])


def _filters(kind: str, query: str) -> dict[str, object]:
    """As the pages ask: public articles ranked; requests newest first or ranked (tickets.indexing)."""
    from khedmat.tickets.indexing import request_order

    if kind == "request":
        return {"order": request_order(query)}
    return {"scopes": ["public"]}


def run(samples: int, limit: int) -> None:
    from khedmat.search.backends import search

    values = sample_values()
    print(f"{'query':<40} {'matches':>8} {'hits':>5} {'p50 ms':>8} {'p95 ms':>8}")
    for label, kind, template in QUERIES:
        query = template.format(**values)
        filters = _filters(kind, query)
        hits = search(kind, query, limit=limit, filters=filters)  # warm: plan and cache
        seconds = []
        for _sample in range(samples):
            started = time.perf_counter()
            search(kind, query, limit=limit, filters=filters)
            seconds.append(time.perf_counter() - started)
        p50, p95 = percentile(seconds, 0.5) * 1000, percentile(seconds, 0.95) * 1000
        found = matches(kind, query)
        print(f"{label:<40} {found:>8,} {len(hits):>5} {p50:>8.1f} {p95:>8.1f}", flush=True)


def _statement_of(kind: str, query: str, limit: int) -> tuple[str, object]:
    """The SQL and parameters search() sends for `query`, as the pages ask."""
    from django.db import connection

    from khedmat.search.backends import search

    statements: list[tuple[str, object]] = []

    def capture(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        search(kind, query, limit=limit, filters=_filters(kind, query))
    return statements[0]


def explain(limit: int) -> None:
    from django.db import connection

    searches = [
        ("the staff search's statement, a common word (the window holds enough)", "کارت بازرگانی"),
        ("the staff search's statement, a unique name (the full-text index)", "کوروش هخامنشی"),
    ]
    statements = [
        (label, "EXPLAIN (ANALYZE, COSTS OFF) " + sql, params)
        for label, (sql, params) in (
            (label, _statement_of("request", query, limit)) for label, query in searches
        )
    ]
    statements.append(
        (
            "trigram (misspelt title, the fuzzy fallback)",
            "EXPLAIN (ANALYZE, COSTS OFF) SELECT object_id FROM search_searchentry e "
            "WHERE e.title_key %% 'یارانه رهگیر' AND e.kind = 'article' LIMIT 20",
            [],
        )
    )
    with connection.cursor() as cursor:
        for label, statement, params in statements:
            print(f"\nEXPLAIN ({label}):")
            cursor.execute(statement, params)
            for (line,) in cursor.fetchall():
                print("  " + line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--limit", type=int, default=20, help="hits asked for (the desk: 50)")
    parser.add_argument(
        "--skip-load", action="store_true", help="time the rows an earlier run left here"
    )
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench_search.py needs DATABASE_URL=postgres://… (a scratch database)")
    scratch = use_database()
    try:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        if not options.skip_load:
            print(f"loading {options.requests:,} requests and {options.articles:,} articles")
            load(options.requests, options.articles)
        run(options.samples, options.limit)
        explain(options.limit)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
