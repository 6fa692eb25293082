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
from django.urls import URLPattern, path, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khedmat.accounts.models import User
from khedmat.cmdb.choices import ReferralStatus
from khedmat.cmdb.referrals import referrals_of
from khedmat.core.access import access_log_page, personal_data_view
from khedmat.core.errors import DomainError
from khedmat.core.files import stored_file_response
from khedmat.core.pagination import view_page
from khedmat.core.saved_views import clean_query, saved_views_of
from khedmat.itsm import queries, services
from khedmat.itsm.choices import OPEN_INCIDENT_STATUSES, IncidentStatus
from khedmat.itsm.errors import LinkError
from khedmat.itsm.forms import (
    INCIDENT_ACTIONS,
    MAJOR_PAGE_ACTIONS,
    ActionForm,
    DeskIncidentForm,
    incident_actions,
    incident_forms,
)
from khedmat.itsm.indexing import suggest_known_errors, suggest_known_errors_for
from khedmat.itsm.list_forms import IncidentFilterForm
from khedmat.itsm.models import Incident, IncidentAttachment
from khedmat.itsm.views.common import incident_or_404, staff_of
from khedmat.sla.queries import sla_state_for, sla_state_for_record

# --- incidents: the list, the overview, a new one -------------------------------------------------


@require_GET
@permission_required("itsm.view_incident", raise_exception=True)
def desk_incident_list(request: HttpRequest) -> HttpResponse:
    """One queue (tab) of incidents, filtered, newest first, keyset pages; counts on top."""
    user = staff_of(request)
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
        "saved_views": saved_views_of(user, "incidents"),
        "current_query": clean_query(request.GET.urlencode(), "incidents"),
    }
    return render(request, "itsm/desk_incident_list.html", context)


@require_GET
@permission_required("itsm.view_incident", raise_exception=True)
def desk_incident_overview(request: HttpRequest) -> HttpResponse:
    """Open incidents by priority and age; each cell opens the list so filtered."""
    rows = queries.open_by_priority_and_age(staff_of(request))
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
    user = staff_of(request)
    form = DeskIncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.report_incident(form.report(), actor=user)
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            flash.success(request, _("The incident was logged; the reporter was sent its code."))
            return redirect("itsm:desk_incident_detail", code=incident.tracking_code)
    typed = f"{form['title'].value() or ''} {form['description'].value() or ''}"
    context = {
        "form": form,
        "matrix": queries.priority_matrix(),
        "suggestions": suggest_known_errors_for(typed) if form.is_bound else [],
    }
    return render(request, "itsm/desk_incident_new.html", context)


# --- one incident -------------------------------------------------------------------------------


def _incident_context(
    user: User, incident: Incident, bound: tuple[str, ActionForm] | None = None
) -> dict[str, Any]:
    referrals = referrals_of(incident)
    with_supplier = any(referral.status == ReferralStatus.OPEN for referral in referrals)
    actions = incident_actions(incident, user, with_supplier=with_supplier)
    return {
        "incident": incident,
        "sla": sla_state_for_record(incident),
        "relations": queries.incident_relations(incident, user),
        "referrals": referrals,
        "timeline": queries.desk_timeline(incident),
        "suggestions": suggest_known_errors(incident) if "apply_known_error" in actions else [],
        "forms": incident_forms(incident, user, actions, bound),
        "labels": {name: label for name, (_form, label) in INCIDENT_ACTIONS.items()},
        "failed": bound[0] if bound else "",
    }


def _major_context(
    user: User, incident: Incident, bound: tuple[str, ActionForm] | None = None
) -> dict[str, Any]:
    # The major page offers none of the supplier actions: no need to look for a referral.
    offered = incident_actions(incident, user, with_supplier=False)
    actions = [name for name in offered if name in MAJOR_PAGE_ACTIONS]
    return {
        "incident": incident,
        "sla": sla_state_for_record(incident),
        "log": queries.major_incident_log(incident, user),
        "timeline": queries.desk_timeline(incident),
        "forms": incident_forms(incident, user, actions, bound),
        "labels": {name: label for name, (_form, label) in INCIDENT_ACTIONS.items()},
        "failed": bound[0] if bound else "",
    }


@require_http_methods(["GET", "HEAD", "POST"])  # POST: the reason asked before the page
@permission_required("itsm.view_incident", raise_exception=True)
def desk_incident_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One incident: its state and promise, people, actions, links, suggestions, timeline.
    Opening it is recorded in its access log (with a reason first, when the settings ask)."""
    user = staff_of(request)
    incident = incident_or_404(user, code)
    asked = personal_data_view(request, incident, assigned=lambda: _assigned_to(user, incident))
    if asked is not None:
        return asked
    return render(request, "itsm/desk_incident_detail.html", _incident_context(user, incident))


def _assigned_to(user: User, incident: Incident) -> bool:
    """Whether the incident is the staff member's or their team's (one query for the team)."""
    if incident.assignee_id == user.pk:
        return True
    return incident.team_id is not None and user.teams.filter(pk=incident.team_id).exists()


@require_http_methods(["GET", "HEAD", "POST"])  # POST: the reason asked before the page
@permission_required("itsm.view_incident", raise_exception=True)
def desk_major_incident(request: HttpRequest, code: str) -> HttpResponse:
    """A major incident's page: communications log, stakeholders, next update, children."""
    user = staff_of(request)
    incident = incident_or_404(user, code)
    if not incident.is_major and incident.major_declared_at is None:
        flash.info(request, _("This incident is not a major incident."))
        return redirect("itsm:desk_incident_detail", code=incident.tracking_code)
    asked = personal_data_view(request, incident, assigned=lambda: _assigned_to(user, incident))
    if asked is not None:
        return asked
    return render(request, "itsm/desk_major_incident.html", _major_context(user, incident))


@require_GET
@permission_required("core.view_access_log", raise_exception=True)
def desk_incident_access_log(request: HttpRequest, code: str) -> HttpResponse:
    """Who opened the incident's personal data, when and why (an incident the staff may see)."""
    incident = incident_or_404(staff_of(request), code)
    back = reverse("itsm:desk_incident_detail", args=[incident.tracking_code])
    title = _("Incident %(code)s") % {"code": incident.tracking_code}
    return access_log_page(request, incident, title=str(title), back_url=back)


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
    "ci": (
        lambda i, d, u: services.set_incident_ci(i, ci=d["ci"], actor=u),
        _("The configuration item was set."),
    ),
    "refer": (
        lambda i, d, u: services.refer_incident_to_supplier(
            i,
            contract=d["contract"],
            note=d["note"],
            reference=d["reference"],
            hold=d["hold"],
            actor=u,
        ),
        _("The incident was referred to the supplier; their clock is running."),
    ),
    "supplier_back": (
        lambda i, d, u: services.incident_back_from_supplier(i, outcome=d["outcome"], actor=u),
        _("The supplier's clock stopped."),
    ),
    "withdraw_referral": (
        lambda i, d, u: services.withdraw_incident_referral(i, reason=d["reason"], actor=u),
        _("The incident was taken back from the supplier."),
    ),
    "note": (
        lambda i, d, u: services.add_incident_note(i, text=d["text"], actor=u),
        _("The note was added."),
    ),
    "attach": (
        lambda i, d, u: services.attach_incident_file(i, upload=d["upload"], actor=u),
        _("The file was attached."),
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
    user = staff_of(request)
    action = request.POST.get("action", "")
    if action not in INCIDENT_RUNS:
        raise Http404("no such action")
    if action in ACTION_PERMISSIONS and not user.has_perm(ACTION_PERMISSIONS[action]):
        raise PermissionDenied
    incident = incident_or_404(user, code)
    form_class = INCIDENT_ACTIONS[action][0]
    form = form_class(request.POST, request.FILES, user=user, incident=incident, prefix=action)
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
    incident = incident_or_404(user, code)  # as stored: a refused service changed nothing
    if action in MAJOR_PAGE_ACTIONS:
        context = _major_context(user, incident, (action, form))
        return render(request, "itsm/desk_major_incident.html", context, status=400)
    context = _incident_context(user, incident, (action, form))
    return render(request, "itsm/desk_incident_detail.html", context, status=400)


@require_GET
@permission_required("itsm.view_incident", raise_exception=True)
def desk_incident_attachment(request: HttpRequest, code: str, attachment_id: int) -> FileResponse:
    """A file of an incident the staff member may see (a picture inline with `?inline=1`, in a
    sandbox that runs nothing). Each opening is recorded (who, when, which)."""
    user = staff_of(request)
    incident = incident_or_404(user, code)
    attachment = get_object_or_404(IncidentAttachment, pk=attachment_id, incident=incident)
    inline = request.GET.get("inline") == "1"
    response = stored_file_response(
        attachment.file,
        name=attachment.original_name,
        content_type=attachment.content_type,
        inline=inline,
    )
    services.record_incident_file_opened(incident, attachment, actor=user, inline=inline)
    return response


urlpatterns: list[URLPattern] = [
    path("desk/incidents/", desk_incident_list, name="desk_incident_list"),
    path("desk/incidents/new/", desk_incident_new, name="desk_incident_new"),
    path("desk/incidents/overview/", desk_incident_overview, name="desk_incident_overview"),
    path("desk/incidents/<str:code>/", desk_incident_detail, name="desk_incident_detail"),
    path("desk/incidents/<str:code>/act/", desk_incident_act, name="desk_incident_act"),
    path("desk/incidents/<str:code>/major/", desk_major_incident, name="desk_major_incident"),
    path(
        "desk/incidents/<str:code>/access-log/",
        desk_incident_access_log,
        name="desk_incident_access_log",
    ),
    path(
        "desk/incidents/<str:code>/files/<int:attachment_id>/",
        desk_incident_attachment,
        name="desk_incident_attachment",
    ),
]
