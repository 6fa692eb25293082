"""Portal pages of ITSM: report a problem with a service, its receipt, my incidents, one incident
(status, public history, reopen while the window is open) and the public status page.

A signed-in person (applicant or staff member) reports; only the reporter sees an incident: a code
of someone else's incident answers 404, like an unknown one, so a guess learns nothing. /status/
is public on purpose: it lists the notices of the major incidents running now.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from khedmat.accounts.models import User
from khedmat.core.digits import fold_digits
from khedmat.core.pagination import view_page
from khedmat.itsm import queries, services
from khedmat.itsm.choices import IncidentChannel, IncidentStatus
from khedmat.itsm.errors import ItsmError
from khedmat.itsm.models import Incident
from khedmat.itsm.portal_forms import IncidentReportForm, ReopenForm, reportable_services
from khedmat.itsm.services.incidents import attach_incident_file
from khedmat.tickets.views.receipt import applicant_login_required

PAGE_SIZE = 20


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _local_mobile(mobile: str) -> str:
    """+989121234567 as a visitor types it: 09121234567."""
    return f"0{mobile[3:]}" if mobile.startswith("+98") else mobile


def _reported(request: HttpRequest, code: str) -> Incident:
    """The signed-in reporter's incident with this code; 404 for anyone else's or none."""
    incident = queries.reporter_incident(request.user, fold_digits(code).strip())
    if incident is None:
        raise Http404("no such incident of this person")
    return incident


# --- report -----------------------------------------------------------------------------------


def _report(form: IncidentReportForm, user: User) -> Incident:
    """The reported incident (channel portal) with its screenshot, in one transaction."""
    data = form.cleaned_data
    report = services.IncidentReport(
        title=data["title"],
        description=data["description"],
        reporter=user,
        reporter_name=user.get_full_name() or _local_mobile(user.mobile or "") or user.username,
        reporter_mobile=data["mobile"],
        reporter_email=data["email"],
        service=data["service"],
        impact=data["impact"],
        urgency=data["urgency"],
        channel=IncidentChannel.PORTAL,
        language=translation.get_language() or "fa",
    )
    with transaction.atomic():
        incident = services.report_incident(report, actor=user)
        upload = form.upload()
        if upload is not None:
            attach_incident_file(incident, upload=upload, actor=user)
    return incident


@applicant_login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def portal_incident_report(request: HttpRequest) -> HttpResponse:
    """Report a problem with a service: what, how bad, how to reach the reporter, a screenshot."""
    user = request.user
    assert isinstance(user, User)
    if request.method != "POST":
        # /incidents/report/?service=<code>: the link a service card can give
        chosen = reportable_services().filter(code=request.GET.get("service", "")[:64]).first()
        initial = {
            "service": chosen.pk if chosen else None,
            "mobile": _local_mobile(user.mobile or ""),
            "email": user.email,
        }
        form = IncidentReportForm(initial=initial)
        return render(request, "itsm/portal_incident_report.html", {"form": form})
    form = IncidentReportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            incident = _report(form, user)
        except ItsmError as error:
            form.add_error(None, str(error.message))
        else:
            url = reverse("itsm:portal_incident_receipt", args=[incident.tracking_code])
            return _see_other(url)
    return render(request, "itsm/portal_incident_report.html", {"form": form})


@applicant_login_required
@never_cache
@require_safe
def portal_incident_receipt(request: HttpRequest, code: str) -> HttpResponse:
    """The receipt of a report: its tracking code and when we aim to fix it."""
    incident = _reported(request, code)
    return render(request, "itsm/portal_incident_receipt.html", {"incident": incident})


# --- follow -----------------------------------------------------------------------------------


@applicant_login_required
@never_cache
@require_safe
def portal_incident_list(request: HttpRequest) -> HttpResponse:
    """The problems the signed-in person reported, newest first, twenty a page (?after=)."""
    incidents = Incident.objects.reported_by(request.user).select_related(
        "service__current_version", "team"
    )
    page = view_page(request, incidents, order=queries.INCIDENT_ORDER, size=PAGE_SIZE)
    return render(request, "itsm/portal_incident_list.html", {"page": page})


def _detail(
    request: HttpRequest,
    incident: Incident,
    *,
    form: ReopenForm | None = None,
    error: str = "",
) -> HttpResponse:
    deadline = services.reopen_deadline(incident)
    resolved = incident.status == IncidentStatus.RESOLVED
    context: dict[str, Any] = {
        "incident": incident,
        "timeline": queries.timeline(incident, public_only=True),
        "attachments": list(incident.attachments.all()),
        "reopen_deadline": deadline if resolved else None,
        "may_reopen": resolved and deadline is not None and timezone.now() <= deadline,
        "reopen_form": form or ReopenForm(),
        "reopen_error": error,
    }
    return render(request, "itsm/portal_incident_detail.html", context)


@applicant_login_required
@never_cache
@require_safe
def portal_incident_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One reported incident: its status, who handles it, its public history and the resolution;
    while resolved and within the window, the form to reopen it."""
    return _detail(request, _reported(request, code))


@applicant_login_required
@never_cache
@require_POST
def portal_incident_reopen(request: HttpRequest, code: str) -> HttpResponse:
    """The reporter says a resolved incident is still not fixed (services.reopen_incident)."""
    incident = _reported(request, code)
    user = request.user
    assert isinstance(user, User)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return _detail(request, incident, form=form)
    try:
        services.reopen_incident(incident, reason=form.cleaned_data["reason"], actor=user)
    except ItsmError as error:
        return _detail(request, incident, form=form, error=str(error.message))
    messages.success(request, gettext("The incident is open again; we will look at it."))
    return _see_other(reverse("itsm:portal_incident_detail", args=[incident.tracking_code]))


# --- public status ----------------------------------------------------------------------------


@login_not_required  # public on purpose: anyone may read whether a service is disrupted
@require_safe
def portal_status(request: HttpRequest) -> HttpResponse:
    """The status notices of the major incidents running now, each with its last update."""
    notices = queries.active_notices()
    prefetch_related_objects(notices, "incident__service__current_version")
    return render(request, "itsm/portal_status.html", {"notices": notices})


urlpatterns: list[URLPattern] = [
    path("incidents/report/", portal_incident_report, name="portal_incident_report"),
    path("incidents/", portal_incident_list, name="portal_incident_list"),
    path("incidents/<str:code>/", portal_incident_detail, name="portal_incident_detail"),
    path("incidents/<str:code>/receipt/", portal_incident_receipt, name="portal_incident_receipt"),
    path("incidents/<str:code>/reopen/", portal_incident_reopen, name="portal_incident_reopen"),
    path("status/", portal_status, name="portal_status"),
]
