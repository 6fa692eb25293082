"""Desk pages under /desk/complaints/: the list, one complaint and its answer, a walk-in's
complaint, and the overdue report. Each checks a permission and the complaint's visibility (the
staff member's unit and below, what they filed; all of it for administrators)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khedmat.accounts.models import User
from khedmat.complaints import queries, services
from khedmat.complaints.choices import TRANSITIONS, ComplaintChannel, ComplaintStatus
from khedmat.complaints.errors import ComplaintError, RequestNotYoursError
from khedmat.complaints.forms import AnswerForm, ComplaintFilterForm, DeskComplaintForm
from khedmat.complaints.models import Complaint
from khedmat.core.access import access_log_page
from khedmat.core.pagination import view_page
from khedmat.core.services import record_personal_data_view
from khedmat.tickets.models import Ticket

#: The staff actions, the status each moves to (buttons come from the transition table).
ACTION_STATUS = {
    "review": ComplaintStatus.IN_REVIEW,
    "answer": ComplaintStatus.ANSWERED,
    "reject": ComplaintStatus.REJECTED,
}


def _staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # permission_required let a signed-in user through
    return user


def _visible(user: User, code: str) -> Complaint:
    complaint = queries.desk_complaint(user, code)
    if complaint is None:
        raise Http404("no such complaint for this staff member")
    return complaint


@require_GET
@permission_required("complaints.view_complaint", raise_exception=True)
def desk_complaint_list(request: HttpRequest) -> HttpResponse:
    """Complaints routed to the staff member's units, newest first, filtered, keyset pages."""
    form = ComplaintFilterForm(request.GET or None)
    visible = Complaint.objects.visible_to_staff(_staff(request))
    rows = queries.complaint_rows(form.apply(visible))
    page = view_page(request, rows, order=queries.COMPLAINT_ORDER, size=queries.PAGE_SIZE)
    context = {"form": form, "page": page, "after": request.GET.get("after", "")}
    return render(request, "complaints/desk_complaint_list.html", context)


def _actions(user: User, complaint: Complaint) -> list[tuple[str, Any]]:
    if not user.has_perm("complaints.change_complaint"):
        return []
    allowed = TRANSITIONS.get(complaint.status, frozenset())
    return [
        (name, AnswerForm.ACTIONS[name])
        for name, status in ACTION_STATUS.items()
        if status in allowed
    ]


def _detail(
    request: HttpRequest, complaint: Complaint, form: AnswerForm | None = None
) -> HttpResponse:
    user = _staff(request)
    context = {
        "complaint": complaint,
        "timeline": queries.complaint_timeline(complaint),
        "actions": _actions(user, complaint),
        "form": form or AnswerForm(),
    }
    return render(request, "complaints/desk_complaint_detail.html", context)


@require_GET
@permission_required("complaints.view_complaint", raise_exception=True)
def desk_complaint_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One complaint: who, about what, deadline, timeline, and the answer form. Opening it is
    recorded in its access log."""
    user = _staff(request)
    complaint = _visible(user, code)
    record_personal_data_view(complaint, actor=user)
    return _detail(request, complaint)


@require_GET
@permission_required("core.view_access_log", raise_exception=True)
def desk_complaint_access_log(request: HttpRequest, code: str) -> HttpResponse:
    """Who opened the complaint's personal data and when (a complaint the staff may see)."""
    complaint = _visible(_staff(request), code)
    back = reverse("complaints:desk_complaint_detail", args=[complaint.tracking_code])
    title = _("Complaint %(code)s") % {"code": complaint.tracking_code}
    return access_log_page(request, complaint, title=str(title), back_url=back)


@require_POST
@permission_required("complaints.change_complaint", raise_exception=True)
def desk_complaint_act(request: HttpRequest, code: str) -> HttpResponse:
    """Take into review, answer, or reject as invalid."""
    user = _staff(request)
    complaint = _visible(user, code)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _detail(request, complaint, form)
    action, text = form.cleaned_data["action"], form.cleaned_data["text"]
    try:
        if action == "review":
            services.start_review(complaint, actor=user)
        elif action == "answer":
            services.answer_complaint(complaint, text=text, actor=user)
        else:
            services.reject_complaint(complaint, text=text, actor=user)
    except ComplaintError as error:
        form.add_error("text" if action != "review" else None, str(error.message))
        return _detail(request, complaint, form)
    if action == "review":
        flash.success(request, _("The complaint is under review."))
    else:
        flash.success(request, _("The answer was recorded and the complainant informed."))
    return redirect("complaints:desk_complaint_detail", code=complaint.tracking_code)


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("complaints.add_complaint", raise_exception=True)
def desk_complaint_new(request: HttpRequest) -> HttpResponse:
    """File a complaint for a walk-in complainant."""
    user = _staff(request)
    form = DeskComplaintForm(request.POST or None, initial={"language": "fa"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ticket = None
        if data["request_code"]:  # only a request this staff member may see: another unit's
            visible = Ticket.objects.visible_to_staff(user)  # reads as an unknown code
            ticket = visible.filter(tracking_code=data["request_code"]).first()
        try:
            if data["request_code"] and ticket is None:
                raise RequestNotYoursError()
            complaint = services.file_complaint(
                complainant=services.Complainant(
                    name=data["complainant_name"],
                    national_code=data["national_code"],
                    mobile=data["mobile"],
                ),
                subject=data["subject"],
                text=data["text"],
                service=data["service"],
                ticket=ticket,
                channel=ComplaintChannel.DESK,
                filed_by=user,
                language=data["language"],
            )
        except ComplaintError as error:
            form.add_error(None, str(error.message))
        else:
            flash.success(request, _("The complaint was filed; the complainant was sent its code."))
            return redirect("complaints:desk_complaint_detail", code=complaint.tracking_code)
    return render(request, "complaints/desk_complaint_new.html", {"form": form})


@require_GET
@permission_required("complaints.view_complaint", raise_exception=True)
def desk_overdue_report(request: HttpRequest) -> HttpResponse:
    """Open complaints past their deadline, per unit: the count and the list (R-27)."""
    groups = queries.overdue_report(Complaint.objects.visible_to_staff(_staff(request)))
    total = sum(group.count for group in groups)
    return render(
        request, "complaints/desk_overdue_report.html", {"groups": groups, "total": total}
    )
