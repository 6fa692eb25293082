"""Desk pages of change enablement: the list (tabs and filters), a new change with its risk
questionnaire, one change with its impact, conflicts, freezes, votes, timeline and actions.

Every page checks a permission; each action posts to one view that calls one service, and a
refusal comes back as that action's form error, with what was typed kept (status 400)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khedmat.accounts.models import User
from khedmat.changes import queries, services
from khedmat.changes.choices import OPEN_CHANGE_STATUSES, ChangeStatus
from khedmat.changes.conflicts import conflicts_for
from khedmat.changes.forms import (
    CHANGE_ACTIONS,
    ActionForm,
    ChangeFilterForm,
    ChangeForm,
    local_moment,
)
from khedmat.changes.freeze import freezes_for
from khedmat.changes.models import Change
from khedmat.cmdb.impact import dependent_records, impacted_ids, services_among
from khedmat.core.errors import DomainError
from khedmat.core.models import Activity
from khedmat.core.pagination import view_page
from khedmat.core.saved_views import saved_views_context
from khedmat.core.verbs import verb_label

PAGE_SIZE = 25

TAB_OPEN, TAB_MINE, TAB_VOTE, TAB_ALL = "open", "mine", "vote", "all"
TABS: dict[str, Promise] = {
    TAB_OPEN: _("Open"),
    TAB_MINE: _("Mine"),
    TAB_VOTE: _("Awaiting my vote"),
    TAB_ALL: _("All"),
}


def _staff_of(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # permission_required let a signed-in user through
    return user


def _change_or_404(user: User, code: str) -> Change:
    change = queries.desk_change(user, code)
    if change is None:
        raise Http404("no such change")
    return change


def _tab_rows(rows: QuerySet[Change], tab: str, user: User) -> QuerySet[Change]:
    if tab == TAB_OPEN:
        return rows.filter(status__in=OPEN_CHANGE_STATUSES)
    if tab == TAB_MINE:
        return rows.filter(requested_by=user) | rows.filter(assignee=user)
    if tab == TAB_VOTE:
        return rows.filter(status=ChangeStatus.ASSESSMENT, board__members=user).exclude(
            votes__voter=user
        )
    return rows


@require_GET
@permission_required("changes.view_change", raise_exception=True)
def change_list(request: HttpRequest) -> HttpResponse:
    """One tab of changes, filtered, newest first, keyset pages."""
    user = _staff_of(request)
    tab = request.GET.get("tab", TAB_OPEN)
    tab = tab if tab in TABS else TAB_OPEN
    form = ChangeFilterForm(request.GET or None)
    filters = form.filters()
    rows = queries.change_rows(
        user, status=filters["status"], kind=filters["kind"], text=filters["text"]
    )
    if filters["risk"]:
        rows = rows.filter(risk_level=filters["risk"])
    page = view_page(
        request, _tab_rows(rows, tab, user), order=queries.CHANGE_ORDER, size=PAGE_SIZE
    )
    context = {
        "form": form,
        "page": page,
        "tab": tab,
        "tabs": list(TABS.items()),
        **saved_views_context(user, "changes", request.GET.urlencode()),
    }
    return render(request, "changes/change_list.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("changes.add_change", raise_exception=True)
def change_new(request: HttpRequest) -> HttpResponse:
    """Ask for a change: what, why, on which CIs, plans, window, then the risk questionnaire."""
    user = _staff_of(request)
    form = ChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                change = services.request_change(actor=user, **form.request())
                answers = form.answers()
                if answers and change.kind != "standard":
                    change = services.assess_risk(change, answers, actor=user)
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            flash.success(request, _("The change was recorded as a draft."))
            return redirect("changes:change_detail", code=change.tracking_code)
    status = 400 if request.method == "POST" else 200
    return render(request, "changes/change_new.html", {"form": form}, status=status)


# --- one change -------------------------------------------------------------------------------


def _impact(change: Change, user: Any) -> dict[str, Any]:
    """The change's CIs, how many CIs their failure reaches, the services among all of them, and
    what other apps record on them (open incidents, known errors: only what `user` may read)."""
    own = [item.pk for item in change.items.all()]
    reached = impacted_ids(own)
    records = dependent_records({*own, *reached}, user) if own else []
    return {
        "impacted_count": len(reached),
        "impacted_services": services_among([*own, *reached]),
        "dependent_records": [group for group in records if group.rows],
    }


def _timeline(change: Change) -> list[dict[str, Any]]:
    rows = Activity.objects.for_target(change).select_related("actor").order_by("created_at", "id")
    entries = []
    for row in rows:
        data = row.data if isinstance(row.data, dict) else {}
        entries.append(
            {
                "at": row.created_at,
                "verb": row.verb,
                "label": verb_label(row.verb),
                "actor": row.actor,
                "text": str(data.get("note") or data.get("reason") or ""),
            }
        )
    return entries


def _forms(
    change: Change, actions: list[str], bound: tuple[str, ActionForm] | None
) -> list[tuple[str, ActionForm, str]]:
    forms = []
    if bound and bound[0] not in actions:
        actions = [bound[0], *actions]  # a refused action keeps its form, with why
    for name in actions:
        if name not in CHANGE_ACTIONS:
            continue
        form_class, label = CHANGE_ACTIONS[name]
        form = bound[1] if bound and bound[0] == name else form_class(change=change, prefix=name)
        forms.append((name, form, str(label)))
    return forms


def _change_context(
    user: User, change: Change, bound: tuple[str, ActionForm] | None = None
) -> dict[str, Any]:
    actions = queries.change_actions(change, user)
    start, end = change.planned_start, change.planned_end
    items = list(change.items.all())
    return {
        "change": change,
        "items": items,
        **_impact(change, user),
        "conflicts": conflicts_for(change) if start and end else [],
        "freezes": freezes_for(items, start, end) if start and end else [],
        "votes": list(change.votes.all()),
        "timeline": _timeline(change),
        "forms": _forms(change, actions, bound),
        "can_edit": "edit" in actions,
        "failed": bound[0] if bound else "",
    }


@require_GET
@permission_required("changes.view_change", raise_exception=True)
def change_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One change: state, risk, window, impact, conflicts, freezes, votes, timeline, actions."""
    user = _staff_of(request)
    return render(
        request, "changes/change_detail.html", _change_context(user, _change_or_404(user, code))
    )


def _window(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "planned_start": local_moment(data.get("start_date"), data.get("start_time")),
        "planned_end": local_moment(data.get("end_date"), data.get("end_time")),
    }


ChangeRun = Callable[[Change, Any, User], object]

#: Each action: the one service it calls and the message shown when it is done.
CHANGE_RUNS: dict[str, tuple[ChangeRun, Promise]] = {
    "submit": (
        lambda c, f, u: services.submit_change(c, actor=u),
        _("The change was submitted for approval."),
    ),
    "assess": (
        lambda c, f, u: services.assess_risk(c, f.answers(), actor=u),
        _("The risk was assessed."),
    ),
    "vote": (
        lambda c, f, u: services.vote_on_change(
            c, voter=u, vote=f.cleaned_data["vote"], note=f.cleaned_data["note"]
        ),
        _("Your vote was recorded."),
    ),
    "decide": (
        lambda c, f, u: services.decide_change(
            c,
            actor=u,
            approve=f.cleaned_data["decision"] == "approve",
            note=f.cleaned_data["note"],
        ),
        _("The decision was recorded."),
    ),
    "schedule": (
        lambda c, f, u: services.schedule_change(c, actor=u, **_window(f.cleaned_data)),
        _("The change is on the calendar."),
    ),
    "unschedule": (
        lambda c, f, u: services.unschedule_change(c, actor=u, note=f.cleaned_data["note"]),
        _("The change was taken off the schedule."),
    ),
    "start": (lambda c, f, u: services.start_change(c, actor=u), _("Implementation started.")),
    "complete": (
        lambda c, f, u: services.complete_change(c, actor=u),
        _("Implementation completed; write the review."),
    ),
    "back_out": (
        lambda c, f, u: services.back_out_change(c, actor=u, note=f.cleaned_data["note"]),
        _("The change was backed out."),
    ),
    "review": (
        lambda c, f, u: services.review_change(
            c, actor=u, outcome=f.cleaned_data["outcome"], note=f.cleaned_data["note"]
        ),
        _("The review was written; the change is closed."),
    ),
    "withdraw": (
        lambda c, f, u: services.withdraw_change(c, actor=u, note=f.cleaned_data["note"]),
        _("The change was withdrawn to draft."),
    ),
}


#: What each action needs beyond reading changes (a vote: board membership, checked by the
#: service; the rest: the right to change changes).
ACTION_PERMISSIONS: dict[str, str] = {"vote": "", "decide": "changes.decide_change"}


@require_POST
@permission_required("changes.view_change", raise_exception=True)
def change_act(request: HttpRequest, code: str) -> HttpResponse:
    """One action on the change (the `action` field), through its one service. Votes need only
    board membership (the service checks); every other action needs changes.change_change."""
    user = _staff_of(request)
    action = request.POST.get("action", "")
    if action not in CHANGE_RUNS:
        raise Http404("no such action")
    needed = ACTION_PERMISSIONS.get(action, "changes.change_change")
    if needed and not user.has_perm(needed):
        raise PermissionDenied
    change = _change_or_404(user, code)
    form = CHANGE_ACTIONS[action][0](request.POST, change=change, prefix=action)
    if form.is_valid():
        run, done = CHANGE_RUNS[action]
        try:
            run(change, form, user)
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            flash.success(request, str(done))
            return redirect("changes:change_detail", code=change.tracking_code)
    change = _change_or_404(user, code)  # as stored: a refused service changed nothing
    context = _change_context(user, change, (action, form))
    return render(request, "changes/change_detail.html", context, status=400)


urlpatterns: list[URLPattern] = [
    path("", change_list, name="change_list"),
    path("new/", change_new, name="change_new"),
    path("<str:code>/", change_detail, name="change_detail"),
    path("<str:code>/act/", change_act, name="change_act"),
]
