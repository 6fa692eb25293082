"""The staff inbox's own use cases: filters, saved views and bulk claim/release/assign, and the
request tasks as the inbox's first source (see inbox_sources)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.choices import Role
from khedmat.accounts.models import User
from khedmat.catalog.models import Service
from khedmat.core.dates import format_datetime
from khedmat.core.digits import fold_digits, localize_digits
from khedmat.core.services import record_activity
from khedmat.core.translated import TEXT_LANGUAGES
from khedmat.processes import assignment
from khedmat.processes.errors import ProcessError
from khedmat.processes.inbox_sources import BulkOutcome, InboxSource, inbox_source
from khedmat.processes.models import SavedInboxView, WorkItem
from khedmat.processes.queries import (
    INBOX_SORTS,
    INBOX_VIEWS,
    NULLS_LAST,
    WORK_ITEM_ORDERS,
    inbox_items,
    inbox_rows,
)
from khedmat.sla.queries import sla_state_for
from khedmat.tickets.models import Ticket

#: The query parameters a saved view keeps (and the inbox reads).
VIEW_PARAMS = ("kind", "view", "sort", "service", "q")
#: The inbox's first kind of work, shown when no `kind` is asked for.
TASKS = "tasks"
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
        if name == "kind" and (value == TASKS or inbox_source(value) is None):
            continue  # the default kind is not written, so a view saved before kinds matches
        clean[name] = value
    return clean


def query_of(params: Mapping[str, Any]) -> str:
    """The saved or current parameters as a query string, always in VIEW_PARAMS order (PostgreSQL
    keeps JSON keys in its own order)."""
    clean = clean_params(params)
    return urlencode([(name, clean[name]) for name in VIEW_PARAMS if name in clean])


def code_prefix(params: Mapping[str, str]) -> str:
    """The digits of the tracking-code filter (Persian and Arabic digits read as Latin)."""
    return "".join(ch for ch in fold_digits(params.get("q", "")) if ch.isdigit())


def filter_items(items: QuerySet[WorkItem], params: Mapping[str, str]) -> QuerySet[WorkItem]:
    """Narrow an inbox tab by service code and by (part of) a tracking code."""
    if params.get("service"):
        items = items.filter(ticket__service__code=params["service"])
    code = code_prefix(params)
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


def bulk_change(
    user: User,
    item_ids: Iterable[int],
    operation: str,
    *,
    assignee: User | None = None,
    kind: str = TASKS,
) -> BulkOutcome:
    """Claim, release or assign several records of one kind; each goes through its own checks
    and transaction, and a refused one is named with its reason."""
    source = inbox_source(kind)
    if source is None or not user.has_perm(source.permission):
        raise ProcessError(_("Unknown kind of work."))
    if operation not in BULK_OPERATIONS:
        raise ProcessError(_("Unknown operation."))
    if operation == "assign" and assignee is None:
        raise ProcessError(_("Choose the person to assign the tasks to."))
    ids = sorted({int(pk) for pk in item_ids})[:MAX_BULK]
    return source.bulk(user, ids, operation, assignee)


def _bulk_tasks(
    user: User, ids: Sequence[int], operation: str, assignee: User | None
) -> BulkOutcome:
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
            outcome.refused.append(
                (f"{item.title} ({item.ticket.tracking_code})", str(error.message))
            )
        else:
            outcome.done += 1
    return outcome


def _may_assign_tasks(user: User) -> bool:
    return (
        user.is_administrator
        or user.has_role(Role.SUPERVISOR)
        or user.has_perm("processes.change_workitem")
    )


ROLE_LABELS: dict[str, object] = dict(Role.choices)  # lazy labels: translated when shown


#: A number no work item has, standing for the id in a reversed URL (see _url_of).
_PK_SLOT = 987654321987654321
_CODE_SLOT = "tracking-code-slot"


def _url_of(name: str, slot: object) -> Callable[[object], str]:
    """`reverse(name, args=[value])` for many values at the cost of one reverse: the URL with a
    slot, the slot then replaced (a page of tasks reverses four URLs per row otherwise). A value
    reverse would quote (not ASCII letters and digits) is reversed as usual."""
    url = reverse(name, args=[slot])

    def make(value: object) -> str:
        text = str(value)
        if text.isascii() and text.isalnum():
            return url.replace(str(slot), text)
        return reverse(name, args=[value])

    return make


def _task_context(user: User, items: list[WorkItem]) -> dict[str, Any]:
    """What the rows of processes/_inbox_tasks.html show, worked out once per page: the links,
    the role, the holder's name, the code and due date as the language writes them."""
    language = (translation.get_language() or "fa")[:2]
    detail = _url_of("tickets:desk_request_detail", _CODE_SLOT)
    claim = _url_of("processes:workitem_claim", _PK_SLOT)
    release = _url_of("processes:workitem_release", _PK_SLOT)
    assign = _url_of("processes:workitem_assign", _PK_SLOT)
    tick = gettext("Tick %(title)s of %(code)s")
    roles = {role: str(label) for role, label in ROLE_LABELS.items()}  # translated once a page
    for item in items:
        code = item.ticket.tracking_code
        row: Any = item  # the attributes below are for the template only
        row.role_label = roles.get(item.role, item.role)
        row.detail_url = detail(code)
        row.claim_url, row.release_url, row.assign_url = (
            claim(item.pk),
            release(item.pk),
            assign(item.pk),
        )
        row.tick_label = tick % {"title": item.title, "code": code}
        row.code_text = localize_digits(code, language)
        row.due_text = format_datetime(item.due_at, language) if item.due_at else ""
        holder = item.assignee
        row.holder_name = (holder.get_full_name() or holder.username) if holder else ""
    return {"states": sla_state_for([item.ticket for item in items])}


def _task_services() -> QuerySet[Service]:
    return (
        Service.objects.filter(current_version__isnull=False)
        .exclude(process_key="")
        .select_related("current_version")
        .only("code", *(f"current_version__title_{code}" for code in TEXT_LANGUAGES))
        .order_by("code")
    )


TASK_SOURCE = InboxSource(
    key=TASKS,
    label=_("Request tasks"),
    permission="processes.view_workitem",
    items=inbox_items,
    narrow=filter_items,
    rows=inbox_rows,
    orders=WORK_ITEM_ORDERS,
    nulls_last=NULLS_LAST,
    template="processes/_inbox_tasks.html",
    bulk=_bulk_tasks,
    services=_task_services,
    may_assign=_may_assign_tasks,
    context=_task_context,
)
