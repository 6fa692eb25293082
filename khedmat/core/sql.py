"""A hot read's SQL compiled once per process, then run again with other values.

Django builds the SQL of every query anew, and for a query with a join or a subquery that takes
longer (0.5–1.5 ms) than PostgreSQL takes to run it. A few reads run on nearly every request of a
public endpoint (the tracking look-up, the failure counters); `ReusedQuery` compiles each of
them once per database alias and shape, and later calls only bind new values, run the SQL and
convert the rows with the same compiler (so dates and decimals come back as the ORM gives them).

`build` must not read the clock or anything else that changes: only the values passed to it
change from one call to the next. The values a query is built with must reach the SQL as parameters unchanged (strings and
integers compared with `=` or `IN`; datetimes as the backend adapts them), be different from
each other and from the query's other parameters: they are found among the compiled parameters by equality. A value that does not
appear, or appears twice, makes the query fall back to the ORM on every call (and says so once in
the log), so a wrong use costs speed, never a wrong answer.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.sql.compiler import SQLCompiler

log = logging.getLogger(__name__)

Value = str | int | dt.datetime


class _Compiled:
    def __init__(
        self,
        compiler: SQLCompiler,
        sql: str,
        params: Sequence[Any],
        slots: list[tuple[int, Callable[[Value], Any]]],
    ) -> None:
        self.compiler = compiler
        self.sql = sql
        self.params = list(params)
        self.slots = slots  # where each value goes among the parameters, and how it is passed

    def bind(self, values: Sequence[Value]) -> list[Any]:
        params = list(self.params)
        for (slot, prepare), value in zip(self.slots, values, strict=True):
            params[slot] = prepare(value)
        return params


class ReusedQuery:
    """`build(*values)` returns the queryset (a `values_list`); `rows(*values)` its rows."""

    def __init__(self, build: Callable[..., QuerySet[Any]], name: str) -> None:
        self.build = build
        self.name = name
        self._compiled: dict[tuple[str, tuple[int, ...], int | None], _Compiled | None] = {}
        self._lock = threading.Lock()

    def rows(
        self, *values: Value | Sequence[Value], using: str = "default", variant: int | None = None
    ) -> list[tuple[Any, ...]]:
        """The rows for these values. `variant` (passed to `build` as a keyword when given) is
        a number written into the SQL itself, such as a LIMIT: each variant is compiled apart."""
        shape = tuple(len(value) if isinstance(value, list | tuple) else -1 for value in values)
        flat = [item for value in values for item in _items(value)]
        key = (using, shape, variant)
        if key not in self._compiled:
            with self._lock:
                self._compiled[key] = self._compile(values, flat, using, variant)
        compiled = self._compiled[key]
        if compiled is None:
            return list(self._queryset(values, using, variant))
        with connections[using].cursor() as cursor:
            cursor.execute(compiled.sql, compiled.bind(flat))
            raw = cursor.fetchall()
        rows = compiled.compiler.results_iter(results=[raw], tuple_expected=True)
        return [tuple(row) for row in rows]

    def _queryset(self, values: Sequence[Any], using: str, variant: int | None) -> QuerySet[Any]:
        extra = {} if variant is None else {"variant": variant}
        return self.build(*values, **extra).using(using)

    def _compile(
        self, values: Sequence[Any], flat: list[Value], using: str, variant: int | None
    ) -> _Compiled | None:
        queryset = self._queryset(values, using, variant)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = []
        for position, value in enumerate(flat):
            found = [
                (index, _preparer(param, value, using))
                for index, param in enumerate(params)
                if _same(param, value) or _same(param, _adapt(value, using))
            ]
            twin = any(value == other for at, other in enumerate(flat) if at != position)
            if len(found) != 1 or twin:
                log.warning("%s: value %r is not one parameter; the ORM runs it", self.name, value)
                return None
            slots.append(found[0])
        return _Compiled(compiler, sql, params, slots)

    def forget(self) -> None:
        """Compile again on the next call (tests that recreate the database)."""
        with self._lock:
            self._compiled.clear()


def _adapt(value: Value, using: str) -> Any:
    """A value as the backend passes it (SQLite: a datetime as text; PostgreSQL: unchanged)."""
    if isinstance(value, dt.datetime):
        return connections[using].ops.adapt_datetimefield_value(value)
    return value


def _same(param: Any, value: Any) -> bool:
    """Equal, and not a flag for a number (True == 1 in Python). psycopg's Int4, Int8… are
    ints: Django wraps integers in them on PostgreSQL."""
    if isinstance(param, bool) != isinstance(value, bool):
        return False
    if isinstance(param, str) != isinstance(value, str):
        return False
    return bool(param == value)


def _preparer(param: Any, value: Value, using: str) -> Callable[[Value], Any]:
    """How later values take this parameter's place: adapted as the backend did (a datetime on
    SQLite), wrapped in the same type (PostgreSQL's Int4), or as they are."""
    if _same(param, value) and type(param) is type(value):
        return _as_is
    if isinstance(value, dt.datetime):
        return lambda later: _adapt(later, using)
    wrapper = type(param)
    return lambda later: wrapper(later)


def _as_is(value: Value) -> Value:
    return value


def _items(value: Value | Sequence[Value]) -> list[Value]:
    if isinstance(value, list | tuple):
        return list(value)
    return [value]  # type: ignore[list-item]  # a str is a Sequence, and one value here
