"""What the change use cases share: codes, the guarded move, the freeze check, notes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import User
from khedmat.changes.choices import (
    ChangeKind,
    ChangeStatus,
)
from khedmat.changes.errors import (
    FreezeError,
    NoteRequiredError,
    TransitionError,
    WindowInvalidError,
    WindowMissingError,
)
from khedmat.changes.freeze import freezes_for
from khedmat.changes.models import Change
from khedmat.cmdb.models import ConfigurationItem
from khedmat.core.actors import Actor
from khedmat.core.services import record_activity
from khedmat.core.tracking import generate_tracking_code

CODE_LENGTH = 12
AUTHORISED = ChangeStatus.AUTHORISED.value
REJECTED = ChangeStatus.REJECTED.value

#: What `update_change` may set in a draft, and the part of it still open during assessment.
DRAFT_FIELDS = frozenset(
    {
        "title",
        "description",
        "reason",
        "items",
        "team",
        "assignee",
        "implementation_plan",
        "backout_plan",
        "test_plan",
        "planned_start",
        "planned_end",
    }
)
PLAN_FIELDS = frozenset({"implementation_plan", "backout_plan", "test_plan"})
WINDOW_FIELDS = frozenset({"planned_start", "planned_end"})
ASSESSMENT_FIELDS = PLAN_FIELDS | WINDOW_FIELDS

ItemsArg = Iterable[ConfigurationItem | int]


def new_code() -> str:
    """An unused change code (random digits with a check digit)."""

    def exists(code: str) -> bool:
        return Change.objects.filter(tracking_code=code).exists()

    return generate_tracking_code(CODE_LENGTH, exists=exists)


def actor_user(actor: Actor) -> User | None:
    """The signed-in person behind `actor` (None for the system)."""
    return actor if isinstance(actor, User) and actor.is_authenticated else None


def locked(change: Change) -> Change:
    """The change read again under a row lock (in the caller's transaction)."""
    return Change.objects.select_related("board").select_for_update(of=("self",)).get(pk=change.pk)


def move(
    change: Change,
    new_status: str,
    *,
    actor: Actor,
    verb: str,
    now: dt.datetime | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """The one guarded status change: refuse what the table forbids, stamp, write Activity."""
    if not change.can_move_to(new_status):
        raise TransitionError()
    old = change.status
    change.status = new_status
    change.status_changed_at = now or timezone.now()
    record_activity(change, verb, actor=actor_user(actor), old=old, new=new_status, data=data)


def check_window(start: dt.datetime | None, end: dt.datetime | None) -> None:
    """Refuse a window that does not end after it starts."""
    if start is not None and end is not None and end <= start:
        raise WindowInvalidError()


def item_ids(change: Change) -> list[int]:
    """The ids of the change's CIs."""
    return list(change.items.values_list("pk", flat=True))


def check_freezes(change: Change) -> None:
    """Refuse a non-emergency change whose planned window falls in a freeze that applies to it."""
    if change.kind == ChangeKind.EMERGENCY:
        return
    if change.planned_start is None or change.planned_end is None:
        raise WindowMissingError()
    frozen = freezes_for(item_ids(change), change.planned_start, change.planned_end)
    if frozen:
        raise FreezeError(
            _(
                "The planned window falls in the freeze window “%(name)s”; only an emergency "
                "change may be planned there."
            )
            % {"name": frozen[0].name}
        )


def require_note(note: str) -> str:
    """The note without surrounding blanks; refused when empty."""
    note = (note or "").strip()
    if not note:
        raise NoteRequiredError()
    return note


def simple_move(
    change: Change,
    expected: str,
    new_status: str,
    *,
    actor: Actor,
    verb: str,
    now: dt.datetime | None = None,
    stamp: str = "",
    data: dict[str, Any] | None = None,
) -> Change:
    """One locked move from `expected` to `new_status`, stamping `stamp` (a time field) with now."""
    with transaction.atomic():
        change = locked(change)
        if change.status != expected:
            raise TransitionError()
        now = now or timezone.now()
        move(change, new_status, actor=actor, verb=verb, now=now, data=data)
        fields = ["status", "status_changed_at"]
        if stamp:
            setattr(change, stamp, now)
            fields.append(stamp)
        change.save(update_fields=fields)
    return change
