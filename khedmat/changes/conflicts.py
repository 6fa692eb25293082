"""Conflicts between planned changes: two changes whose planned windows overlap and that touch the
same CI, or where a CI of one is impacted by (depends on, runs on…) a CI of the other. Conflicts
do not block scheduling; the desk and the calendar flag them.

Impact comes from `khedmat.cmdb.impact.impact_walker` (what fails when the given CIs fail; the
relation graph read once for the whole page). One query first tells whether any CI in play has a
relation at all; only then is impact asked, once per distinct set of CIs of a change (memoised),
and per CI of the other change only when that change impacts this one, to name the CI. A union-wide call cannot tell which pair a dependency
joins (nor see a CI of the set reached from another CI of the set), so it is not used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Q, prefetch_related_objects
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from khedmat.changes.choices import PLANNED_STATUSES
from khedmat.changes.models import Change
from khedmat.cmdb.models import CiRelation, ConfigurationItem

#: The other change touches the same CI.
SAME_CI = "same_ci"
#: A CI of the other change depends on (is impacted by) a CI of this change.
DEPENDS_ON_THIS = "depends_on_this"
#: A CI of this change depends on (is impacted by) a CI of the other change.
THIS_DEPENDS_ON = "this_depends_on"
#: How pages name each kind of conflict.
CONFLICT_LABELS: dict[str, Promise] = {
    SAME_CI: _("Same configuration item"),
    DEPENDS_ON_THIS: _("Depends on a configuration item of this change"),
    THIS_DEPENDS_ON: _("A configuration item of this change depends on it"),
}


@dataclass(frozen=True)
class Conflict:
    """`other` overlaps this change in [overlap_start, overlap_end) over `item` (the other
    change's CI that is shared, or related by dependency as `kind` says)."""

    other: Change
    item: ConfigurationItem
    kind: str
    overlap_start: dt.datetime
    overlap_end: dt.datetime

    @property
    def label(self) -> str:
        return str(CONFLICT_LABELS[self.kind])


Impacted = Callable[[frozenset[int]], set[int]]


def _impact_lookup() -> Impacted:
    """impacted(ids) -> the CIs other than `ids` that their failure reaches, memoised; the
    relation graph is read once, at the first walk."""
    from khedmat.cmdb.impact import impact_walker

    cache: dict[frozenset[int], set[int]] = {}
    walkers: list[Callable[[Iterable[int]], dict[int, int]]] = []

    def impacted(ids: frozenset[int]) -> set[int]:
        if not ids:
            return set()
        if ids not in cache:
            if not walkers:
                walkers.append(impact_walker())
            cache[ids] = set(walkers[0](ids)) - ids
        return cache[ids]

    return impacted


def _windowed(change: Change) -> bool:
    return (
        change.planned_start is not None
        and change.planned_end is not None
        and change.status in PLANNED_STATUSES
    )


def _overlap(one: Change, other: Change) -> tuple[dt.datetime, dt.datetime] | None:
    assert one.planned_start and one.planned_end and other.planned_start and other.planned_end
    start = max(one.planned_start, other.planned_start)
    end = min(one.planned_end, other.planned_end)
    return (start, end) if start < end else None


def _pair(
    one: Change,
    other: Change,
    impacted: Impacted,
    *,
    may_depend: bool,
) -> list[Conflict]:
    """The conflicts `one` has with `other` (seen from `one`)."""
    window = _overlap(one, other)
    if window is None:
        return []
    mine = {item.pk: item for item in one.items.all()}
    theirs = {item.pk: item for item in other.items.all()}
    found: dict[int, str] = {pk: SAME_CI for pk in theirs.keys() & mine.keys()}
    if may_depend:
        for pk in theirs.keys() & impacted(frozenset(mine)):
            found.setdefault(pk, DEPENDS_ON_THIS)
        if mine.keys() & impacted(frozenset(theirs)):
            for pk in theirs:
                if mine.keys() & impacted(frozenset({pk})):
                    found.setdefault(pk, THIS_DEPENDS_ON)
    return [
        Conflict(other, theirs[pk], kind, *window)
        for pk, kind in sorted(found.items(), key=lambda pair: (theirs[pair[0]].name, pair[0]))
    ]


def _dependency_possible(changes: Sequence[Change]) -> bool:
    """Whether any CI of these changes has a relation at all (one query): without one, no CI
    can be impacted by another and impact is not asked."""
    every = {item.pk for change in changes for item in change.items.all()}
    if not every:
        return False
    return CiRelation.objects.filter(Q(source_id__in=every) | Q(target_id__in=every)).exists()


def conflicts_for(change: Change) -> list[Conflict]:
    """The planned changes whose window overlaps this one's and that touch the same CIs or CIs
    related to them by impact (either way). The candidates and their CIs take two queries."""
    if change.planned_start is None or change.planned_end is None:
        return []
    candidates = list(
        Change.objects.planned_between(change.planned_start, change.planned_end)
        .filter(status__in=PLANNED_STATUSES)
        .exclude(pk=change.pk)
        .prefetch_related("items")
        .order_by("planned_start", "id")
    )
    if not candidates:
        return []
    prefetch_related_objects([change], "items")
    impacted = _impact_lookup()
    may_depend = _dependency_possible([change, *candidates])
    conflicts: list[Conflict] = []
    for other in candidates:
        conflicts.extend(_pair(change, other, impacted, may_depend=may_depend))
    return conflicts


def conflicts_between(changes: Iterable[Change]) -> dict[int, list[Conflict]]:
    """{change id: its conflicts with the other given changes} for a calendar page (a month).

    The changes' CIs are prefetched once; changes outside the planned statuses or without a
    window have none. A pair with neither shared nor related CIs costs no query."""
    planned = [change for change in changes if _windowed(change)]
    prefetch_related_objects(planned, "items")
    planned.sort(key=lambda change: (change.planned_start, change.pk))
    impacted = _impact_lookup()
    may_depend = _dependency_possible(planned)
    result: dict[int, list[Conflict]] = {}
    for index, one in enumerate(planned):
        for other in planned[index + 1 :]:
            assert one.planned_end is not None and other.planned_start is not None
            if other.planned_start >= one.planned_end:
                break  # sorted by start: no later change overlaps `one`
            for first, second in ((one, other), (other, one)):
                found = _pair(first, second, impacted, may_depend=may_depend)
                if found:
                    result.setdefault(first.pk, []).extend(found)
    return result
