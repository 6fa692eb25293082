"""What the staff inbox lists: one source per kind of work (a request's process tasks, incidents…).

The inbox is one page with one set of tabs (assigned to me, my team, unassigned), one sort, one
filter (service, tracking code), saved views and bulk claim/release/assign; a source says what
those mean for its records. Processes registers the request tasks; an app above processes (itsm)
registers its own in `AppConfig.ready()`, so processes never imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise

from khedmat.accounts.models import User


@dataclass
class BulkOutcome:
    """How many records a bulk operation changed, and each refused one with its reason."""

    done: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)  # (what, why)


@dataclass(frozen=True)
class InboxSource:
    """One kind of work in the inbox.

    `items(user, tab)` gives the open records of a tab the user may take; `narrow(records,
    params)` applies the service and tracking-code filters; `rows` loads what the rows show;
    `orders` maps the inbox's sorts to keyset orders (`nulls_last` for the nullable fields);
    `template` draws the rows (it gets `page`, `may_assign`, `assignees` and the `context(user,
    items)` context); `bulk(user, ids, operation, assignee)` claims, releases or assigns.
    """

    key: str
    label: str | Promise
    permission: str
    items: Callable[[User, str], QuerySet[Any]]
    narrow: Callable[[QuerySet[Any], Mapping[str, str]], QuerySet[Any]]
    rows: Callable[[QuerySet[Any]], QuerySet[Any]]
    orders: Mapping[str, tuple[str, ...]]
    template: str
    bulk: Callable[[User, Sequence[int], str, User | None], BulkOutcome]
    services: Callable[[], QuerySet[Any]]
    may_assign: Callable[[User], bool]
    context: Callable[[User, list[Any]], dict[str, Any]] = lambda user, items: {}
    nulls_last: tuple[str, ...] = ()


_SOURCES: dict[str, InboxSource] = {}


def register_inbox_source(source: InboxSource) -> None:
    """Add (or replace, on a second ready()) a kind of work to the inbox."""
    _SOURCES[source.key] = source


def inbox_sources(user: User | None = None) -> list[InboxSource]:
    """The registered sources in registration order; those the user may work when one is given."""
    sources = list(_SOURCES.values())
    if user is None:
        return sources
    return [source for source in sources if user.has_perm(source.permission)]


def inbox_source(key: str) -> InboxSource | None:
    return _SOURCES.get(key)
