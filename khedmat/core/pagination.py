"""One keyset pagination for every list: `keyset_page` for views, `KeysetPagination` for the API.

A page is the rows after a position in a total order (the last field is unique, usually the id),
read with one query of `size + 1` rows, whatever page the reader is on: no OFFSET, no COUNT. The
position travels as an opaque cursor: the ordering values of the last row shown, as JSON in
URL-safe base64. A cursor that does not decode, or names another ordering, is refused with
`BadCursor` (the API answers 400; views show the first page instead).

Nullable fields sort last in both directions (`nulls_last`), the same on SQLite and PostgreSQL.
Every page after a position starts its index scan there: the first key is bounded (`<=`/`>=`),
and on PostgreSQL a page after a value of a nullable first key is the values from the position
on and then the nulls, one `UNION ALL` query (`_split_at`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import F, Model, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from ninja.pagination import PaginationBase

from khedmat.core.errors import DomainError
from khedmat.core.http import load_json

M = TypeVar("M", bound=Model)

DEFAULT_SIZE = 50
MAX_SIZE = 200
_SCALARS = (str, int, float, bool, type(None))


class BadCursor(DomainError):
    """The cursor does not name a position in this list."""

    default_message = _("This page link is not valid; start again from the first page.")
    status_code = 400


@dataclass(frozen=True)
class Page(Generic[M]):
    """The rows of one page and the cursor of the next one ("" on the last page)."""

    items: list[M]
    next_cursor: str

    @property
    def has_next(self) -> bool:
        return bool(self.next_cursor)


# --- cursors -----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A JSON value for one ordering value (datetimes and dates as ISO text, decimals as text)."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Model):
        return value.pk
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    """The opaque cursor for a position (URL-safe base64 of a JSON list, no padding)."""
    text = json.dumps([_plain(value) for value in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, length: int) -> list[Any]:
    """The position a cursor names: `length` JSON scalars, or BadCursor."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = load_json(base64.urlsafe_b64decode(padded.encode("ascii")), max_depth=2)
    except (ValueError, binascii.Error, UnicodeError) as error:
        raise BadCursor from error
    if not isinstance(values, list) or len(values) != length:
        raise BadCursor
    if not all(isinstance(value, _SCALARS) for value in values):
        raise BadCursor
    return values


# --- the query ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Key:
    name: str
    descending: bool
    nullable: bool

    @classmethod
    def parse(cls, spec: str, nulls_last: frozenset[str]) -> _Key:
        name = spec.removeprefix("-")
        return cls(name=name, descending=spec.startswith("-"), nullable=name in nulls_last)

    def expression(self) -> Any:
        field = F(self.name)
        if self.descending:
            return field.desc(nulls_last=True) if self.nullable else field.desc()
        return field.asc(nulls_last=True) if self.nullable else field.asc()

    def beyond(self, value: Any) -> Q:
        """Rows strictly after `value` on this key."""
        if value is None:  # nulls come last: nothing is beyond a null
            return Q(pk__in=[])
        beyond = Q(**{f"{self.name}__{'lt' if self.descending else 'gt'}": value})
        return beyond | Q(**{f"{self.name}__isnull": True}) if self.nullable else beyond

    def equal(self, value: Any) -> Q:
        if value is None:
            return Q(**{f"{self.name}__isnull": True})
        return Q(**{self.name: value})


def _after(keys: Sequence[_Key], values: Sequence[Any]) -> Q:
    """Rows after the position: beyond on the first key, or equal on it and after on the rest."""
    key, value = keys[0], values[0]
    if len(keys) == 1:
        return key.beyond(value)
    return key.beyond(value) | (key.equal(value) & _after(keys[1:], values[1:]))


def _bound(key: _Key, value: Any) -> Q:
    """The first key's own bound (`<=` or `>=` the position): implied by the condition above, but
    written out so the database can start an index scan there instead of filtering every row
    before the position (PostgreSQL cannot use an `OR` of the keys as an index bound). A
    nullable key has none here: its nulls, which come after every value, are beyond the position
    too (see `_split_at`)."""
    if value is None or key.nullable:
        return Q()
    return _value_bound(key, value)


def _value_bound(key: _Key, value: Any) -> Q:
    return Q(**{f"{key.name}__{'lte' if key.descending else 'gte'}": value})


def _split_at(
    queryset: QuerySet[M], keys: Sequence[_Key], position: Sequence[Any], size: int
) -> QuerySet[M] | None:
    """The page after a position on a nullable first key, as one query the database can read
    from its index: the rows with a value from the position on (bounded, so the index scan starts
    there) and then the rows without one (`IS NULL`, in the order of the other keys), each arm
    stopped after `size + 1` rows, `UNION ALL`, in the page's order. One `OR` of "after the
    position" and "null" would make PostgreSQL read the index from its start and filter every
    row before the position. None when no split is needed (or the database cannot order and
    slice the arms of a compound query: SQLite), so the caller filters as for any other key."""
    key, value = keys[0], position[0]
    if not key.nullable or value is None:
        return None
    if not connections[queryset.db].features.supports_slicing_ordering_in_compound:
        return None
    if any("__" in item.name for item in keys):
        return None  # the order of a compound query names its own columns, not a relation's
    order = [item.expression() for item in keys]
    values = queryset.filter(_value_bound(key, value), _after(keys, position)).order_by(*order)
    nulls = queryset.filter(**{f"{key.name}__isnull": True}).order_by(*order)
    arms = values[: size + 1].union(nulls[: size + 1], all=True)
    return arms.order_by(*order)


def _position(row: Model, keys: Sequence[_Key]) -> list[Any]:
    return [_value(row, key.name) for key in keys]


def _value(row: Any, name: str) -> Any:
    for part in name.split("__"):
        row = getattr(row, part)
    return row


def ordered(queryset: QuerySet[M], order: Sequence[str], *, nulls_last: Sequence[str] = ()) -> Any:
    """The queryset in the page's total order (for callers that read it without a cursor)."""
    keys = [_Key.parse(spec, frozenset(nulls_last)) for spec in order]
    return queryset.order_by(*(key.expression() for key in keys))


def keyset_page(
    queryset: QuerySet[M],
    *,
    order: Sequence[str],
    after: str | None = None,
    size: int = DEFAULT_SIZE,
    nulls_last: Sequence[str] = (),
) -> Page[M]:
    """One page of `queryset` in `order` (the last field unique) after the cursor `after`.

    `order` uses Django's notation ("-submitted_at", "-id"); fields named in `nulls_last` may be
    null and sort after every value. One query of `size + 1` rows. Raises BadCursor.
    """
    if not order:
        raise ValueError("keyset pagination needs an order ending in a unique field")
    keys = [_Key.parse(spec, frozenset(nulls_last)) for spec in order]
    rows = queryset.order_by(*(key.expression() for key in keys))
    if after:
        position = decode_cursor(after, length=len(keys))
        split = _split_at(queryset, keys, position, size)
        if split is not None:
            rows = split
        else:
            rows = rows.filter(_bound(keys[0], position[0]), _after(keys, position))
    page = list(rows[: size + 1])
    more = len(page) > size
    page = page[:size]
    return Page(items=page, next_cursor=encode_cursor(_position(page[-1], keys)) if more else "")


def view_page(
    request: HttpRequest,
    queryset: QuerySet[M],
    *,
    order: Sequence[str],
    size: int = DEFAULT_SIZE,
    nulls_last: Sequence[str] = (),
) -> Page[M]:
    """The page a view's `?after=` asks for; a damaged cursor shows the first page."""
    after = request.GET.get("after") or None
    try:
        return keyset_page(queryset, order=order, after=after, size=size, nulls_last=nulls_last)
    except BadCursor:
        return keyset_page(queryset, order=order, size=size, nulls_last=nulls_last)


# --- the API -----------------------------------------------------------------------------------


class KeysetPagination(PaginationBase):
    """django-ninja pagination on `keyset_page`: `?after=<cursor>&limit=<n>` in, `items` and
    `next` (the cursor of the next page, null on the last) out. A bad cursor is a 400.

    Use: `@paginate(KeysetPagination, order=("-submitted_at", "-id"))` on an operation that
    returns a queryset, with `response=list[ItemSchema]`.
    """

    class Input(Schema):
        after: str | None = Field(None, description="The `next` value of the previous page.")
        limit: int = Field(DEFAULT_SIZE, ge=1, le=MAX_SIZE, description="Rows per page.")

    class Output(Schema):
        items: list[Any]
        next: str | None = Field(None, description="Pass as `after` for the next page.")

    def __init__(
        self,
        *,
        order: Sequence[str] = ("-id",),
        nulls_last: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        self.order = tuple(order)
        self.nulls_last = tuple(nulls_last)
        super().__init__(**kwargs)

    def paginate_queryset(
        self,
        queryset: QuerySet[Any],
        pagination: Any,
        request: HttpRequest,
        **params: Any,
    ) -> dict[str, Any]:
        page = keyset_page(
            queryset,
            order=self.order,
            after=pagination.after,
            size=pagination.limit,
            nulls_last=self.nulls_last,
        )
        return {"items": page.items, "next": page.next_cursor or None}
