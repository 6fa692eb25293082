"""Staff pages of work items under /desk/work/: the inbox tabs, claim, assign and release; and the
POST actions of the process panel on a request's page (act, claim, release, refer a task; retry a
service call, type in a letter's number), each redirecting back to the request."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages as flash
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khedmat.accounts.choices import Role
from khedmat.accounts.models import OrgUnit, User
from khedmat.core.errors import DomainError
from khedmat.core.forms import LocalDateField
from khedmat.core.pagination import view_page
from khedmat.processes import actions, assignment, calls, services
from khedmat.processes import inbox as inbox_cases
from khedmat.processes.errors import ProcessError
from khedmat.processes.forms import AssignForm
from khedmat.processes.inbox_sources import inbox_sources
from khedmat.processes.models import SavedInboxView, ServiceCall, WorkItem
from khedmat.processes.queries import (
    INBOX_SORTS,
    INBOX_VIEWS,
    PAGE_SIZE,
    SORT_NEWEST,
    VIEW_MINE,
    VIEW_TEAM,
    VIEW_UNASSIGNED,
    request_service_call,
    request_work_item,
    units_below,
    visible_work_item,
)

TABS = (
    (VIEW_MINE, _("Assigned to me")),
    (VIEW_TEAM, _("My team")),
    (VIEW_UNASSIGNED, _("Unassigned")),
)


def _staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # permission_required let a signed-in user through
    return user


def _choice(request: HttpRequest, name: str, choices: tuple[str, ...]) -> str:
    value = request.GET.get(name, "")
    return value if value in choices else choices[0]


@require_GET
@permission_required("processes.view_workitem", raise_exception=True)
def inbox(request: HttpRequest) -> HttpResponse:
    """The staff member's open work: request tasks, incidents… (one kind at a time, `kind`),
    theirs, their team's or the unassigned ones."""
    user = _staff(request)
    sources = inbox_sources(user)
    source = next((s for s in sources if s.key == request.GET.get("kind")), sources[0])
    view = _choice(request, "view", INBOX_VIEWS)
    sort = _choice(request, "sort", INBOX_SORTS)
    filters = inbox_cases.clean_params(request.GET)
    items = source.narrow(source.items(user, view), filters)
    page = view_page(
        request,
        source.rows(items),
        order=source.orders.get(sort, source.orders[SORT_NEWEST]),
        size=PAGE_SIZE,
        nulls_last=source.nulls_last,
    )
    may_assign = source.may_assign(user)
    context = {
        "filters": filters,
        "sources": sources,
        "source": source,
        "services": source.services(),
        "saved_views": [
            (saved, inbox_cases.query_of(saved.params))
            for saved in SavedInboxView.objects.filter(user=user)
        ],
        "current_query": inbox_cases.query_of(filters),
        "assignees": _assignees(user) if may_assign else [],
        "page": page,
        "tabs": TABS,
        "view": view,
        "sort": sort,
        "after": request.GET.get("after", ""),
        "newest": SORT_NEWEST,
        "may_assign": may_assign,
        **source.context(user, page.items),
    }
    return render(request, "processes/workitem_list.html", context)


def _assignees(user: User) -> list[User]:
    """Staff of the supervisor's unit and below, for bulk assignment (each item checks its own)."""
    people = User.objects.filter(is_active=True, groups__name__in=[Role.AGENT, Role.SUPERVISOR])
    if not user.is_administrator:
        if user.org_unit_id is None:
            return []
        people = people.filter(org_unit_id__in=sorted(units_below(user)))
    people = people.only("id", "username", "first_name", "last_name")  # what the options show
    return list(people.distinct().order_by("first_name", "last_name", "username")[:200])


@require_POST
@permission_required("processes.view_workitem", raise_exception=True)
def save_view(request: HttpRequest) -> HttpResponse:
    """Keep the inbox's current tab, sort and filters under a name."""
    user = _staff(request)
    params = QueryDict(request.POST.get("query", ""))
    try:
        inbox_cases.save_view(user, request.POST.get("name", ""), params)
    except ProcessError as error:
        flash.error(request, str(error.message))
    else:
        flash.success(request, _("The view was saved."))
    return redirect(f"{reverse('processes:inbox')}?{inbox_cases.query_of(params)}")


@require_POST
@permission_required("processes.view_workitem", raise_exception=True)
def delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    if not inbox_cases.delete_view(_staff(request), pk):
        raise Http404("no such saved view")
    flash.success(request, _("The view was deleted."))
    return redirect("processes:inbox")


@require_POST
@permission_required("processes.view_workitem", raise_exception=True)
def bulk(request: HttpRequest) -> HttpResponse:
    """Claim, release or assign the ticked tasks; each is checked on its own."""
    user = _staff(request)
    ids = [value for value in request.POST.getlist("items") if value.isascii() and value.isdigit()]
    operation = request.POST.get("operation", "")
    assignee_id = request.POST.get("assignee", "")
    assignee = (
        User.objects.filter(pk=int(assignee_id), is_active=True).first()
        if assignee_id.isascii() and assignee_id.isdigit()
        else None
    )
    if not ids:
        flash.error(request, _("Tick the rows first."))
        return _back(request)
    try:
        outcome = inbox_cases.bulk_change(
            user,
            [int(pk) for pk in ids],
            operation,
            assignee=assignee,
            kind=request.POST.get("kind") or inbox_cases.TASKS,
        )
    except ProcessError as error:
        flash.error(request, str(error.message))
        return _back(request)
    if outcome.done:
        flash.success(
            request,
            ngettext("%(count)d record changed.", "%(count)d records changed.", outcome.done)
            % {"count": outcome.done},
        )
    for what, reason in outcome.refused:
        flash.error(request, f"{what}: {reason}")
    return _back(request)


def _item(request: HttpRequest, pk: int) -> WorkItem:
    item = visible_work_item(_staff(request), pk)
    if item is None:
        raise Http404("no such work item for this staff member")
    return item


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(reverse("processes:inbox"))


@require_POST
@permission_required("processes.view_workitem", raise_exception=True)
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    """Take an unassigned task for oneself."""
    item = _item(request, pk)
    try:
        assignment.claim_work_item(item, actor=_staff(request))
    except ProcessError as error:
        flash.error(request, str(error.message))
    else:
        flash.success(request, _("The task is yours now."))
    return _back(request)


@require_POST
@permission_required("processes.view_workitem", raise_exception=True)
def release(request: HttpRequest, pk: int) -> HttpResponse:
    """Give a task back to its queue."""
    item = _item(request, pk)
    try:
        assignment.release_work_item(item, actor=_staff(request))
    except ProcessError as error:
        flash.error(request, str(error.message))
    else:
        flash.success(request, _("The task is back in its queue."))
    return _back(request)


@require_http_methods(["GET", "POST"])
@permission_required("processes.view_workitem", raise_exception=True)
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose who holds a task (supervisors); a refusal answers 403 with the reason."""
    user = _staff(request)
    item = _item(request, pk)
    if not assignment.can_assign(item, user):
        message = assignment.WorkItemPermissionError().message
        context = {"item": item, "refusal": message}
        return render(request, "processes/workitem_assign.html", context, status=403)
    form = AssignForm(request.POST or None, item=item)
    if request.method == "POST" and form.is_valid():
        try:
            assignment.assign_work_item(item, assignee=form.cleaned_data["assignee"], actor=user)
        except ProcessError as error:
            flash.error(request, str(error.message))
        else:
            flash.success(request, _("The task was assigned."))
        return _back(request)
    return render(request, "processes/workitem_assign.html", {"item": item, "form": form})


# --- the process panel of a request (desk/requests/<code>/) ---------------------------------------


def _request_page(code: str) -> HttpResponse:
    return redirect("tickets:desk_request_detail", code=code)


def _request_item(request: HttpRequest, code: str, pk: int) -> WorkItem:
    item = request_work_item(_staff(request), code, pk)
    if item is None:
        raise Http404("no such task on a request this staff member may see")
    return item


def _request_call(request: HttpRequest, code: str, pk: int) -> ServiceCall:
    call = request_service_call(_staff(request), code, pk)
    if call is None:
        raise Http404("no such step on a request this staff member may see")
    return call


def _flash_outcome(request: HttpRequest, run: Callable[[], object], success: object) -> None:
    """Run one use case; show its domain error, or `success`, as a flash message."""
    try:
        run()
    except DomainError as error:  # the process's, the request's, the office automation's...
        flash.error(request, str(error.message))
    else:
        flash.success(request, str(success))


@require_POST
@permission_required("processes.view_workitem", raise_exception=True)
def task_act(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Approve, return, reject or finish an open task of the request."""
    item = _request_item(request, code, pk)
    _flash_outcome(
        request,
        lambda: actions.act_on_work_item(
            item,
            request.POST.get("action", ""),
            actor=_staff(request),
            note=request.POST.get("note", "")[:2000],
            fields=request.POST.getlist("fields"),
        ),
        _("The task is done and the request moved on."),
    )
    return _request_page(code)


@require_POST
@permission_required("processes.view_workitem", raise_exception=True)
def task_claim(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Take an unassigned task of the request for oneself."""
    item = _request_item(request, code, pk)
    _flash_outcome(
        request,
        lambda: assignment.claim_work_item(item, actor=_staff(request)),
        _("The task is yours now."),
    )
    return _request_page(code)


@require_POST
@permission_required("processes.view_workitem", raise_exception=True)
def task_release(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Give a task of the request back to its queue."""
    item = _request_item(request, code, pk)
    _flash_outcome(
        request,
        lambda: assignment.release_work_item(item, actor=_staff(request)),
        _("The task is back in its queue."),
    )
    return _request_page(code)


@require_POST
@permission_required("processes.view_workitem", raise_exception=True)
def task_refer(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Send a task of the request to another unit's queue."""
    item = _request_item(request, code, pk)
    value = request.POST.get("unit", "")
    unit = (
        OrgUnit.objects.filter(pk=int(value), is_active=True).first()
        if value.isascii() and value.isdigit()
        else None
    )
    if unit is None:
        flash.error(request, str(_("Choose the unit to refer the task to.")))
        return _request_page(code)
    _flash_outcome(
        request,
        lambda: actions.refer_work_item(
            item, unit=unit, actor=_staff(request), note=request.POST.get("note", "")[:2000]
        ),
        _("The task was referred."),
    )
    return _request_page(code)


@require_POST
@permission_required("tickets.change_ticket", raise_exception=True)
def call_retry(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Queue a failed service step of the request again."""
    call = _request_call(request, code, pk)
    _flash_outcome(
        request,
        lambda: services.retry_service_call(call, actor=_staff(request)),
        _("The step was queued again."),
    )
    return _request_page(code)


@require_POST
@permission_required("tickets.change_ticket", raise_exception=True)
def call_letter(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Type in the number and date of a letter registered by hand in the office automation."""
    call = _request_call(request, code, pk)
    number = request.POST.get("number", "").strip()[:100]
    try:
        date = LocalDateField(required=False).clean(request.POST.get("date", "").strip())
    except ValidationError as error:
        flash.error(request, " ".join(str(message) for message in error.messages))
        return _request_page(code)
    if not number:
        flash.error(request, str(_("Enter the letter's number.")))
        return _request_page(code)
    _flash_outcome(
        request,
        lambda: calls.record_letter_by_hand(call, number=number, date=date, actor=_staff(request)),
        _("The letter was recorded and the request moved on."),
    )
    return _request_page(code)
