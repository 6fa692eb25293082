"""The staff inbox's own use cases: filters, saved views and bulk claim/release/assign."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import User
from khedmat.core.digits import fold_digits
from khedmat.core.services import record_activity
from khedmat.processes import assignment
from khedmat.processes.errors import ProcessError
from khedmat.processes.models import SavedInboxView, WorkItem
from khedmat.processes.queries import INBOX_SORTS, INBOX_VIEWS
from khedmat.tickets.models import Ticket

#: The query parameters a saved view keeps (and the inbox reads).
VIEW_PARAMS = ("view", "sort", "service", "q")
MAX_SAVED_VIEWS = 20
MAX_BULK = 100
BULK_OPERATIONS = ("claim", "release", "assign")


class SavedViewError(ProcessError):
    default_message = _("This view cannot be saved.")


def clean_params(params: Mapping[str, Any]) -> dict[str, str]:
    """The known inbox parameters with plausible values; the rest dropped."""
    clean = {}
    for name in VIEW_PARAMS:
        value = str(params.get(name) or "").strip()[:64]
        if not value:
            continue
        if name == "view" and value not in INBOX_VIEWS:
            continue
        if name == "sort" and value not in INBOX_SORTS:
            continue
        clean[name] = value
    return clean


def query_of(params: Mapping[str, Any]) -> str:
    """The saved or current parameters as a query string, always in VIEW_PARAMS order (PostgreSQL
    keeps JSON keys in its own order)."""
    clean = clean_params(params)
    return urlencode([(name, clean[name]) for name in VIEW_PARAMS if name in clean])


def filter_items(items: QuerySet[WorkItem], params: Mapping[str, str]) -> QuerySet[WorkItem]:
    """Narrow an inbox tab by service code and by (part of) a tracking code."""
    if params.get("service"):
        items = items.filter(ticket__service__code=params["service"])
    code = "".join(ch for ch in fold_digits(params.get("q", "")) if ch.isdigit())
    if code:
        items = items.filter(ticket__tracking_code__startswith=code)
    return items


def save_view(user: User, name: str, params: Mapping[str, Any]) -> SavedInboxView:
    """Keep the current tab, sort and filters under a name (the same name replaces it)."""
    name = name.strip()[:80]
    if not name:
        raise SavedViewError(_("Give the view a name."))
    with transaction.atomic():
        if (
            not SavedInboxView.objects.filter(user=user, name=name).exists()
            and SavedInboxView.objects.filter(user=user).count() >= MAX_SAVED_VIEWS
        ):
            raise SavedViewError(_("You have the most saved views allowed: delete one first."))
        try:
            view, _created = SavedInboxView.objects.update_or_create(
                user=user, name=name, defaults={"params": clean_params(params)}
            )
        except IntegrityError as error:  # a double click saving the same name twice
            raise SavedViewError() from error
        record_activity(view, "inbox.view_saved", actor=user, new=view.params)
        return view


def delete_view(user: User, view_id: int) -> bool:
    with transaction.atomic():
        view = SavedInboxView.objects.filter(user=user, pk=view_id).first()
        if view is None:
            return False
        record_activity(view, "inbox.view_deleted", actor=user, old=view.params)
        view.delete()
        return True


@dataclass
class BulkOutcome:
    """How many items the bulk operation changed, and why the others were refused."""

    done: int = 0
    refused: list[tuple[WorkItem, str]] = field(default_factory=list)


def bulk_change(
    user: User,
    item_ids: Iterable[int],
    operation: str,
    *,
    assignee: User | None = None,
) -> BulkOutcome:
    """Claim, release or assign several tasks; each goes through its own checks and transaction."""
    if operation not in BULK_OPERATIONS:
        raise ProcessError(_("Unknown operation."))
    if operation == "assign" and assignee is None:
        raise ProcessError(_("Choose the person to assign the tasks to."))
    ids = sorted({int(pk) for pk in item_ids})[:MAX_BULK]
    visible = Ticket.objects.visible_to_staff(user).values("pk")
    items = WorkItem.objects.select_related("ticket").filter(pk__in=ids, ticket__in=visible)
    outcome = BulkOutcome()
    for item in items:
        try:
            if operation == "claim":
                assignment.claim_work_item(item, actor=user)
            elif operation == "release":
                assignment.release_work_item(item, actor=user)
            else:
                assert assignee is not None
                assignment.assign_work_item(item, assignee=assignee, actor=user)
        except ProcessError as error:
            outcome.refused.append((item, str(error.message)))
        else:
            outcome.done += 1
    return outcome
