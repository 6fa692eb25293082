"""A hot read's SQL compiled once per process, then run again with other values.

Django builds the SQL of every query anew, and for a query with a join or a subquery that takes
longer (0.5–1.5 ms) than PostgreSQL takes to run it. A few reads run on nearly every request of a
public endpoint (the tracking look-up, the failure counters); `ReusedQuery` compiles each of
them once per database alias and shape, and later calls only bind new values, run the SQL and
convert the rows with the same compiler (so dates and decimals come back as the ORM gives them).

`build` must not read the clock or anything else that changes: only the values passed to it
change from one call to the next. Each value must reach the SQL as a parameter unchanged
(strings and integers compared with `=` or `IN`; datetimes as the backend adapts them). The
first call compiles the query twice, with the values and with other values of the same kinds:
the parameters that differ are the values' places (a value may have several), the others are the
query's constants. A call whose values are not all different (their places would be ambiguous)
runs through the ORM and compiles nothing: the next call compiles. A query whose SQL changes with the values, or a value found nowhere, falls
back to the ORM on every call and says so in the log: a wrong use costs speed, never a wrong
answer.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import ModelIterable
from django.db.models.sql.compiler import SQLCompiler

log = logging.getLogger(__name__)

Value = str | int | dt.datetime


class _Compiled:
    def __init__(
        self,
        compiler: SQLCompiler,
        sql: str,
        params: Sequence[Any],
        slots: list[tuple[int, int, Callable[[Value], Any]]],
    ) -> None:
        self.compiler = compiler
        self.sql = sql
        self.params = list(params)
        # (parameter index, value index, how the value is passed) for each place of a value
        self.slots = slots

    def bind(self, values: Sequence[Value]) -> list[Any]:
        params = list(self.params)
        for slot, value, prepare in self.slots:
            params[slot] = prepare(values[value])
        return params


class ReusedQuery:
    """`build(*values)` returns the queryset: `rows(*values)` gives a `values_list`'s rows,
    `objects(*values)` a model queryset's instances (`select_related` and `only` included)."""

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
        flat, compiled = self._prepared(values, using, variant)
        if compiled is None:
            return list(self._queryset(values, using, variant))
        raw = self._run(compiled, flat, using)
        rows = compiled.compiler.results_iter(results=[raw], tuple_expected=True)
        return [tuple(row) for row in rows]

    def objects(
        self, *values: Value | Sequence[Value], using: str = "default", variant: int | None = None
    ) -> list[Any]:
        """The model instances for these values, built by Django's own ModelIterable from the
        rows of the SQL compiled once (the compiler keeps what the rows hold and where)."""
        flat, compiled = self._prepared(values, using, variant)
        if compiled is None:
            return list(self._queryset(values, using, variant))
        raw = self._run(compiled, flat, using)
        return list(ModelIterable(_Ran(compiled.compiler, raw, using)))  # type: ignore[arg-type]

    def _prepared(
        self, values: Sequence[Any], using: str, variant: int | None
    ) -> tuple[list[Value], _Compiled | None]:
        shape = tuple(len(value) if isinstance(value, list | tuple) else -1 for value in values)
        flat = [item for value in values for item in _items(value)]
        if len(set(map(repr, flat))) != len(flat):
            return flat, None  # equal values (a type id and a row id both 17...): the ORM, once
        key = (using, shape, variant)
        if key not in self._compiled:
            with self._lock:
                self._compiled[key] = self._compile(values, flat, using, variant)
        return flat, self._compiled[key]

    @staticmethod
    def _run(compiled: _Compiled, flat: list[Value], using: str) -> list[Any]:
        with connections[using].cursor() as cursor:
            cursor.execute(compiled.sql, compiled.bind(flat))
            return list(cursor.fetchall())

    def _queryset(self, values: Sequence[Any], using: str, variant: int | None) -> QuerySet[Any]:
        extra = {} if variant is None else {"variant": variant}
        return self.build(*values, **extra).using(using)

    def _compile(
        self, values: Sequence[Any], flat: list[Value], using: str, variant: int | None
    ) -> _Compiled | None:
        """Compile with the values, then with other values (probes): the parameters that
        changed are the values' places, whatever else the query passes as parameters."""
        probes = [_probe(value) for value in flat]
        if len({*map(repr, flat), *map(repr, probes)}) != 2 * len(flat):
            return self._refuse("probes equal to values")
        compiler = self._queryset(values, using, variant).query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        probed = self._queryset(_rebuilt(values, iter(probes)), using, variant)
        probed_sql, probed_params = probed.query.get_compiler(using=using).as_sql()
        if probed_sql != sql or len(probed_params) != len(params):
            return self._refuse("SQL that changes with the values")
        slots = []
        for index, (param, other) in enumerate(zip(params, probed_params, strict=True)):
            if _same(param, other):
                continue  # a constant of the query
            found = [at for at, probe in enumerate(probes) if _matches(other, probe, using)]
            if len(found) != 1 or not _matches(param, flat[found[0]], using):
                return self._refuse(f"a parameter that is no value ({param!r})")
            slots.append((index, found[0], _preparer(param, flat[found[0]], using)))
        if {value for _, value, _ in slots} != set(range(len(flat))):
            return self._refuse("a value that is no parameter")
        return _Compiled(compiler, sql, params, slots)

    def _refuse(self, why: str) -> _Compiled | None:
        log.warning("%s: %s; the ORM runs it every time", self.name, why)
        return None

    def forget(self) -> None:
        """Compile again on the next call (tests that recreate the database)."""
        with self._lock:
            self._compiled.clear()


class _Ran:
    """What ModelIterable reads of a queryset, for rows already fetched: its database, a
    compiler that hands over the rows, and no known related objects."""

    def __init__(self, compiler: SQLCompiler, raw: list[Any], using: str) -> None:
        self.db = using
        self.model = compiler.query.model
        self.query = self
        self._known_related_objects: dict[Any, Any] = {}
        self._compiler = _Fetched(compiler, raw)

    def get_compiler(self, using: str | None = None) -> _Fetched:
        return self._compiler


class _Fetched:
    """The compiled query's compiler (select, klass_info, converters) with the rows fetched."""

    def __init__(self, compiler: SQLCompiler, raw: list[Any]) -> None:
        self._compiler = compiler
        self._raw = raw
        self.select = compiler.select
        self.klass_info = compiler.klass_info
        self.annotation_col_map = compiler.annotation_col_map

    def execute_sql(self, *args: Any, **kwargs: Any) -> list[list[Any]]:
        return [self._raw]

    def results_iter(self, results: Any) -> Any:
        return self._compiler.results_iter(results=results)


def _adapt(value: Value, using: str) -> Any:
    """A value as the backend passes it (SQLite: a datetime as text; PostgreSQL: unchanged)."""
    if isinstance(value, dt.datetime):
        return connections[using].ops.adapt_datetimefield_value(value)
    return value


def _matches(param: Any, value: Value, using: str) -> bool:
    return _same(param, value) or _same(param, _adapt(value, using))


def _probe(value: Value) -> Value:
    """Another value of the same kind, to see where a value lands among the parameters."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 7_919
    if isinstance(value, dt.datetime):
        return value + dt.timedelta(days=3, microseconds=7)
    return f"{value}\u2063probe"


def _rebuilt(values: Sequence[Any], probes: Any) -> list[Any]:
    """`values` with each item (in lists too) replaced by the next probe."""
    return [
        [next(probes) for _ in value] if isinstance(value, list | tuple) else next(probes)
        for value in values
    ]


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
