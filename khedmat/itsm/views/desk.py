"""Staff pages of ITSM under /desk/: incidents (queues, one incident and its actions, the major-
incident page, the supervisor's overview), problems and known errors.

Every page checks a permission, and an incident or problem the staff member may not see reads as
not found (`visible_to_staff`). Each action posts to one view that calls one service; a refusal
comes back as the action form's error, with what was typed kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khedmat.accounts.models import User
from khedmat.core.errors import DomainError
from khedmat.core.pagination import view_page
from khedmat.itsm import queries, services
from khedmat.itsm.choices import OPEN_INCIDENT_STATUSES, IncidentStatus
from khedmat.itsm.errors import LinkError
from khedmat.itsm.forms import (
    INCIDENT_ACTIONS,
    MAJOR_PAGE_ACTIONS,
    PROBLEM_ACTIONS,
    ActionForm,
    DeskIncidentForm,
    IncidentFilterForm,
    KnownErrorForm,
    KnownErrorSearchForm,
    ProblemActionForm,
    ProblemFilterForm,
    ProblemForm,
    incident_actions,
    incident_forms,
    problem_forms,
)
from khedmat.itsm.indexing import known_error_search, suggest_known_errors
from khedmat.itsm.models import Incident, IncidentAttachment, KnownError, Problem
from khedmat.sla.queries import sla_state_for, sla_state_for_record

KNOWN_ERROR_ORDER = ("-created_at", "-id")
#: Files shown in the browser (pictures); the rest download.
PREVIEW_TYPES = frozenset({"image/png", "image/jpeg", "image/webp", "image/gif"})


def _staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # permission_required let a signed-in user through
    return user


def _incident(user: User, code: str) -> Incident:
    incident = queries.desk_incident(user, code)
    if incident is None:
        raise Http404("no such incident for this staff member")
    return incident


def _problem(user: User, code: str) -> Problem:
    problem = queries.desk_problem(user, code)
    if problem is None:
        raise Http404("no such problem for this staff member")
    return problem


# --- incidents: the list, the overview, a new one -------------------------------------------------


@require_GET
@permission_required("itsm.view_incident", raise_exception=True)
def desk_incident_list(request: HttpRequest) -> HttpResponse:
    """One queue (tab) of incidents, filtered, newest first, keyset pages; counts on top."""
    user = _staff(request)
    queue = request.GET.get("queue", queries.QUEUE_OPEN)
    queue = queue if queue in queries.QUEUES else queries.QUEUE_OPEN
    form = IncidentFilterForm(request.GET or None)
    rows = queries.desk_incident_list(user, queue, form.filters())
    page = view_page(request, rows, order=queries.INCIDENT_ORDER, size=queries.PAGE_SIZE)
    counts = queries.open_counts(user)
    context = {
        "form": form,
        "page": page,
        "states": sla_state_for(page.items),
        "queue": queue,
        "queues": list(queries.QUEUES.items()),
        "counts": [
            (status, label, counts.get(status, 0))
            for status, label in IncidentStatus.choices
            if status in OPEN_INCIDENT_STATUSES
        ],
        "after": request.GET.get("after", ""),
    }
    return render(request, "itsm/desk_incident_list.html", context)


@require_GET
@permission_required("itsm.view_incident", raise_exception=True)
def desk_incident_overview(request: HttpRequest) -> HttpResponse:
    """Open incidents by priority and age; each cell opens the list so filtered."""
    rows = queries.open_by_priority_and_age(_staff(request))
    context = {
        "rows": rows,
        "buckets": [(index, bucket.label) for index, bucket in enumerate(queries.AGE_BUCKETS)],
        "total": sum(row[3] for row in rows),
    }
    return render(request, "itsm/desk_incident_overview.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("itsm.add_incident", raise_exception=True)
def desk_incident_new(request: HttpRequest) -> HttpResponse:
    """Log an incident for a caller or a colleague; the matrix gives its priority."""
    user = _staff(request)
    form = DeskIncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.report_incident(form.report(), actor=user)
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            flash.success(request, _("The incident was logged; the reporter was sent its code."))
            return redirect("itsm:desk_incident_detail", code=incident.tracking_code)
    context = {"form": form, "matrix": queries.priority_matrix()}
    return render(request, "itsm/desk_incident_new.html", context)


# --- one incident -------------------------------------------------------------------------------


def _incident_context(
    user: User, incident: Incident, bound: tuple[str, ActionForm] | None = None
) -> dict[str, Any]:
    actions = incident_actions(incident, user)
    return {
        "incident": incident,
        "sla": sla_state_for_record(incident),
        "relations": queries.incident_relations(incident, user),
        "timeline": queries.desk_timeline(incident),
        "suggestions": suggest_known_errors(incident) if "apply_known_error" in actions else [],
        "forms": incident_forms(incident, user, actions, bound),
        "labels": {name: label for name, (_form, label) in INCIDENT_ACTIONS.items()},
        "failed": bound[0] if bound else "",
    }


def _major_context(
    user: User, incident: Incident, bound: tuple[str, ActionForm] | None = None
) -> dict[str, Any]:
    actions = [name for name in incident_actions(incident, user) if name in MAJOR_PAGE_ACTIONS]
    return {
        "incident": incident,
        "sla": sla_state_for_record(incident),
        "log": queries.major_incident_log(incident, user),
        "timeline": queries.desk_timeline(incident),
        "forms": incident_forms(incident, user, actions, bound),
        "labels": {name: label for name, (_form, label) in INCIDENT_ACTIONS.items()},
        "failed": bound[0] if bound else "",
    }


@require_GET
@permission_required("itsm.view_incident", raise_exception=True)
def desk_incident_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One incident: its state and promise, people, actions, links, suggestions, timeline."""
    user = _staff(request)
    context = _incident_context(user, _incident(user, code))
    return render(request, "itsm/desk_incident_detail.html", context)


@require_GET
@permission_required("itsm.view_incident", raise_exception=True)
def desk_major_incident(request: HttpRequest, code: str) -> HttpResponse:
    """A major incident's page: communications log, stakeholders, next update, children."""
    user = _staff(request)
    incident = _incident(user, code)
    if not incident.is_major and incident.major_declared_at is None:
        flash.info(request, _("This incident is not a major incident."))
        return redirect("itsm:desk_incident_detail", code=incident.tracking_code)
    return render(request, "itsm/desk_major_incident.html", _major_context(user, incident))


def _unlink_child(incident: Incident, child: Incident, user: User) -> Incident:
    if child.parent_id != incident.pk:
        raise LinkError()
    return services.unlink_child_incident(child, actor=user)


def _unlink_parent(incident: Incident, user: User) -> Incident:
    return services.unlink_child_incident(incident, actor=user)


IncidentRun = Callable[[Incident, dict[str, Any], User], object]

#: Each action: the one service it calls and the message shown when it is done.
INCIDENT_RUNS: dict[str, tuple[IncidentRun, Promise]] = {
    "claim": (
        lambda i, d, u: services.claim_incident(i, actor=u),
        _("You took the incident."),
    ),
    "start": (lambda i, d, u: services.start_incident(i, actor=u), _("Work started.")),
    "hold": (
        lambda i, d, u: services.hold_incident(i, reason=d["reason"], actor=u),
        _("The incident is on hold; its clocks are paused."),
    ),
    "resume": (lambda i, d, u: services.resume_incident(i, actor=u), _("Work resumed.")),
    "resolve": (
        lambda i, d, u: services.resolve_incident(i, code=d["code"], note=d["note"], actor=u),
        _("The incident is resolved; the reporter was told."),
    ),
    "close": (lambda i, d, u: services.close_incident(i, actor=u), _("The incident is closed.")),
    "reopen": (
        lambda i, d, u: services.reopen_incident(i, reason=d["reason"], actor=u),
        _("The incident was reopened."),
    ),
    "assign": (
        lambda i, d, u: services.assign_incident(
            i, team=d["team"], assignee=d["assignee"], actor=u
        ),
        _("The incident was assigned."),
    ),
    "priority": (
        lambda i, d, u: services.change_incident_priority(
            i, impact=d["impact"], urgency=d["urgency"], actor=u
        ),
        _("Impact and urgency were changed; the matrix set the priority."),
    ),
    "note": (
        lambda i, d, u: services.add_incident_note(i, text=d["text"], actor=u),
        _("The note was added."),
    ),
    "reply": (
        lambda i, d, u: services.reply_to_reporter(i, text=d["text"], actor=u),
        _("Your reply was sent to the reporter."),
    ),
    "link_child": (
        lambda i, d, u: services.link_child_incident(d["code"], parent=i, actor=u),
        _("The incident was linked as a child."),
    ),
    "unlink_child": (
        lambda i, d, u: _unlink_child(i, d["code"], u),
        _("The child incident was unlinked."),
    ),
    "unlink_parent": (
        lambda i, d, u: _unlink_parent(i, u),
        _("The incident was unlinked from its parent."),
    ),
    "merge": (
        lambda i, d, u: services.merge_duplicate_incident(i, into=d["code"], actor=u),
        _("The incident was closed as a duplicate; its reporter was told where to follow."),
    ),
    "open_problem": (
        lambda i, d, u: services.open_problem(
            title=d["title"], incidents=[i], team=i.team, actor=u
        ),
        _("A problem was opened from this incident."),
    ),
    "link_problem": (
        lambda i, d, u: services.link_incident_to_problem(d["code"], incident=i, actor=u),
        _("The incident was linked to the problem."),
    ),
    "apply_known_error": (
        lambda i, d, u: services.apply_known_error(i, known=d["code"], actor=u),
        _("The workaround was sent to the reporter."),
    ),
    "declare_major": (
        lambda i, d, u: services.declare_major_incident(i, actor=u),
        _("The incident is now a major incident."),
    ),
    "end_major": (
        lambda i, d, u: services.end_major_incident(i, actor=u),
        _("The incident is no longer a major incident."),
    ),
    "subscribe": (
        lambda i, d, u: services.subscribe_stakeholder(i, user=d["person"], actor=u),
        _("The stakeholder will receive the updates."),
    ),
    "post_update": (
        lambda i, d, u: services.post_major_update(
            i, text=d["text"], audience=d["audience"], actor=u
        ),
        _("The update was sent."),
    ),
}

#: Actions that need more than the right to change incidents.
ACTION_PERMISSIONS = {
    "declare_major": "itsm.declare_major_incident",
    "end_major": "itsm.declare_major_incident",
    "open_problem": "itsm.add_problem",
    "link_problem": "itsm.change_problem",
}


@require_POST
@permission_required("itsm.change_incident", raise_exception=True)
def desk_incident_act(request: HttpRequest, code: str) -> HttpResponse:
    """One action on the incident (the `action` field), through its one service."""
    user = _staff(request)
    action = request.POST.get("action", "")
    if action not in INCIDENT_RUNS:
        raise Http404("no such action")
    if action in ACTION_PERMISSIONS and not user.has_perm(ACTION_PERMISSIONS[action]):
        raise PermissionDenied
    incident = _incident(user, code)
    form_class = INCIDENT_ACTIONS[action][0]
    form = form_class(request.POST, user=user, incident=incident, prefix=action)
    if form.is_valid():
        run, done = INCIDENT_RUNS[action]
        try:
            run(incident, form.cleaned_data, user)
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            flash.success(request, str(done))
            page = "desk_major_incident" if action in MAJOR_PAGE_ACTIONS else "desk_incident_detail"
            return redirect(f"itsm:{page}", code=incident.tracking_code)
    incident = _incident(user, code)  # as stored: a refused service changed nothing
    if action in MAJOR_PAGE_ACTIONS:
        context = _major_context(user, incident, (action, form))
        return render(request, "itsm/desk_major_incident.html", context, status=400)
    context = _incident_context(user, incident, (action, form))
    return render(request, "itsm/desk_incident_detail.html", context, status=400)


@require_GET
@permission_required("itsm.view_incident", raise_exception=True)
def desk_incident_attachment(request: HttpRequest, code: str, attachment_id: int) -> FileResponse:
    """A file of an incident the staff member may see (a picture inline with `?inline=1`, in a
    sandbox that runs nothing)."""
    incident = _incident(_staff(request), code)
    attachment = get_object_or_404(IncidentAttachment, pk=attachment_id, incident=incident)
    inline = request.GET.get("inline") == "1" and attachment.content_type in PREVIEW_TYPES
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.original_name,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- problems -------------------------------------------------------------------------------------


@require_GET
@permission_required("itsm.view_problem", raise_exception=True)
def desk_problem_list(request: HttpRequest) -> HttpResponse:
    """Problems of the staff member's units, newest first, by status, keyset pages."""
    form = ProblemFilterForm(request.GET or None)
    rows = queries.problem_rows(_staff(request), status=form.status_value())
    page = view_page(request, rows, order=queries.PROBLEM_ORDER, size=queries.PAGE_SIZE)
    context = {"form": form, "page": page, "after": request.GET.get("after", "")}
    return render(request, "itsm/desk_problem_list.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("itsm.add_problem", raise_exception=True)
def desk_problem_new(request: HttpRequest) -> HttpResponse:
    """Open a problem, on its own or from one incident."""
    user = _staff(request)
    form = ProblemForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            problem = services.open_problem(
                title=data["title"],
                symptom=data["symptom"],
                incidents=[data["incident"]] if data["incident"] else [],
                service=data["service"],
                team=data["team"],
                actor=user,
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            flash.success(request, _("The problem was logged."))
            return redirect("itsm:desk_problem_detail", code=problem.tracking_code)
    return render(request, "itsm/desk_problem_new.html", {"form": form})


def _problem_context(
    user: User, problem: Problem, bound: tuple[str, ProblemActionForm] | None = None
) -> dict[str, Any]:
    return {
        "problem": problem,
        "relations": queries.problem_relations(problem, user),
        "timeline": queries.desk_timeline(problem),
        "forms": problem_forms(problem, user, bound),
        "labels": {name: label for name, (_form, label, _status) in PROBLEM_ACTIONS.items()},
        "failed": bound[0] if bound else "",
    }


@require_GET
@permission_required("itsm.view_problem", raise_exception=True)
def desk_problem_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One problem: symptom, root cause, workaround, fix, incidents, known errors, actions."""
    user = _staff(request)
    context = _problem_context(user, _problem(user, code))
    return render(request, "itsm/desk_problem_detail.html", context)


ProblemRun = Callable[[Problem, dict[str, Any], User], object]

PROBLEM_RUNS: dict[str, tuple[ProblemRun, Promise]] = {
    "root_cause": (
        lambda p, d, u: services.record_root_cause(p, root_cause=d["root_cause"], actor=u),
        _("The root cause was recorded."),
    ),
    "known_error": (
        lambda p, d, u: services.record_known_error(
            p, workaround=d["workaround"], title=d["title"], actor=u
        ),
        _("The known error was recorded; agents are offered its workaround."),
    ),
    "resolve": (
        lambda p, d, u: services.resolve_problem(p, fix=d["fix"], actor=u),
        _("The problem is resolved."),
    ),
    "close": (lambda p, d, u: services.close_problem(p, actor=u), _("The problem is closed.")),
    "link_incident": (
        lambda p, d, u: services.link_incident_to_problem(p, incident=d["code"], actor=u),
        _("The incident was linked to the problem."),
    ),
}


@require_POST
@permission_required("itsm.change_problem", raise_exception=True)
def desk_problem_act(request: HttpRequest, code: str) -> HttpResponse:
    """One action on the problem (the `action` field), through its one service."""
    user = _staff(request)
    action = request.POST.get("action", "")
    if action not in PROBLEM_RUNS:
        raise Http404("no such action")
    problem = _problem(user, code)
    form = PROBLEM_ACTIONS[action][0](request.POST, user=user, prefix=action)
    if form.is_valid():
        run, done = PROBLEM_RUNS[action]
        try:
            run(problem, form.cleaned_data, user)
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            flash.success(request, str(done))
            return redirect("itsm:desk_problem_detail", code=problem.tracking_code)
    context = _problem_context(user, _problem(user, code), (action, form))
    return render(request, "itsm/desk_problem_detail.html", context, status=400)


# --- known errors ---------------------------------------------------------------------------------


@require_GET
@permission_required("itsm.view_knownerror", raise_exception=True)
def desk_known_error_list(request: HttpRequest) -> HttpResponse:
    """Known errors, newest first (keyset pages), or those matching the words, best first."""
    form = KnownErrorSearchForm(request.GET or None)
    text, retired = form.values()
    context: dict[str, Any] = {"form": form, "text": text, "after": request.GET.get("after", "")}
    if text:
        context["found"] = known_error_search(text)
    else:
        rows = queries.known_errors(active_only=not retired)
        context["page"] = view_page(request, rows, order=KNOWN_ERROR_ORDER, size=queries.PAGE_SIZE)
    return render(request, "itsm/desk_known_error_list.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("itsm.add_knownerror", raise_exception=True)
def desk_known_error_new(request: HttpRequest) -> HttpResponse:
    """Record a known error: its symptom and the workaround agents apply."""
    user = _staff(request)
    form = KnownErrorForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            known = services.create_known_error(
                title=data["title"],
                symptom=data["symptom"],
                workaround=data["workaround"],
                problem=data["problem"],
                service=data["service"],
                configuration_item=data["configuration_item"],
                actor=user,
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            flash.success(request, _("The known error was recorded."))
            return redirect("itsm:desk_known_error_detail", code=known.code)
    return render(request, "itsm/desk_known_error_new.html", {"form": form})


def _known_error(code: str) -> KnownError:
    known = queries.desk_known_error(code)
    if known is None:
        raise Http404("no such known error")
    return known


@require_GET
@permission_required("itsm.view_knownerror", raise_exception=True)
def desk_known_error_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One known error: symptom, workaround, fix, its problem; retire it when it is wrong."""
    known = _known_error(code)
    context = {"known": known, "timeline": queries.desk_timeline(known)}
    return render(request, "itsm/desk_known_error_detail.html", context)


@require_POST
@permission_required("itsm.change_knownerror", raise_exception=True)
def desk_known_error_retire(request: HttpRequest, code: str) -> HttpResponse:
    """Stop suggesting the known error."""
    known = _known_error(code)
    services.retire_known_error(known, actor=_staff(request))
    flash.success(request, _("The known error is retired; it is no longer suggested."))
    return redirect("itsm:desk_known_error_detail", code=known.code)


urlpatterns: list[URLPattern] = [
    path("desk/incidents/", desk_incident_list, name="desk_incident_list"),
    path("desk/incidents/new/", desk_incident_new, name="desk_incident_new"),
    path("desk/incidents/overview/", desk_incident_overview, name="desk_incident_overview"),
    path("desk/incidents/<str:code>/", desk_incident_detail, name="desk_incident_detail"),
    path("desk/incidents/<str:code>/act/", desk_incident_act, name="desk_incident_act"),
    path("desk/incidents/<str:code>/major/", desk_major_incident, name="desk_major_incident"),
    path(
        "desk/incidents/<str:code>/files/<int:attachment_id>/",
        desk_incident_attachment,
        name="desk_incident_attachment",
    ),
    path("desk/problems/", desk_problem_list, name="desk_problem_list"),
    path("desk/problems/new/", desk_problem_new, name="desk_problem_new"),
    path("desk/problems/<str:code>/", desk_problem_detail, name="desk_problem_detail"),
    path("desk/problems/<str:code>/act/", desk_problem_act, name="desk_problem_act"),
    path("desk/known-errors/", desk_known_error_list, name="desk_known_error_list"),
    path("desk/known-errors/new/", desk_known_error_new, name="desk_known_error_new"),
    path("desk/known-errors/<str:code>/", desk_known_error_detail, name="desk_known_error_detail"),
    path(
        "desk/known-errors/<str:code>/retire/",
        desk_known_error_retire,
        name="desk_known_error_retire",
    ),
]
