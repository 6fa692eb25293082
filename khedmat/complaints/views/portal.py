"""Portal pages: /complaints/new/ (a signed-in applicant), its receipt, /complaints/track/.

Tracking proves code + national code like /track/ and shares its rate limits (tickets.ratelimit,
KHEDMAT_TRACK_*): a wrong code and a wrong national code get the same answer.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from khedmat.accounts.models import User
from khedmat.accounts.otp import profile_is_complete
from khedmat.complaints import queries, services
from khedmat.complaints.choices import ComplaintChannel
from khedmat.complaints.errors import ComplaintError
from khedmat.complaints.forms import PortalComplaintForm, TrackComplaintForm
from khedmat.complaints.limits import complaint_limits
from khedmat.complaints.models import CODE_LENGTH, Complaint
from khedmat.core.http import client_ip
from khedmat.core.tracking import normalize_tracking_code
from khedmat.tickets import ratelimit

APPLICANT_LOGIN_URL = reverse_lazy("accounts:applicant_login")
VERIFIED_SESSION_KEY = "complaints.track_verified"
MAX_VERIFIED_CODES = 20
NOT_FOUND = _("We found no complaint with this code and national code. Check both and try again.")


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


# --- file -------------------------------------------------------------------------------------


@login_not_required  # anonymous visitors go to the applicant login, not the staff one
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    """File a complaint about a service or one of the applicant's requests."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), str(APPLICANT_LOGIN_URL))
    assert isinstance(user, User)
    if user.is_staff_member:
        return render(request, "complaints/complaint_new.html", {"staff": True})
    if not profile_is_complete(user):
        profile = reverse("accounts:applicant_profile")
        return HttpResponseRedirect(f"{profile}?{urlencode({'next': request.path})}")
    requests = queries.applicant_requests(user)
    # /complaints/new/?service=<code>: the link a service card can give
    chosen = queries.complaint_services().filter(code=request.GET.get("service", "")[:64]).first()
    initial = {"service": chosen.pk if chosen else None}
    if request.method != "POST":
        form = PortalComplaintForm(initial=initial, requests=requests)
        return render(request, "complaints/complaint_new.html", {"form": form})
    form = PortalComplaintForm(request.POST, requests=requests)
    if form.is_valid():
        complainant = services.Complainant(
            name=user.get_full_name(),
            national_code=user.national_code or "",
            mobile=user.mobile or "",
            user=user,
        )
        try:
            complaint = services.file_complaint(
                complainant=complainant,
                subject=form.cleaned_data["subject"],
                text=form.cleaned_data["text"],
                service=form.cleaned_data["service"],
                ticket=form.cleaned_data["ticket"],
                channel=ComplaintChannel.PORTAL,
                filed_by=user,
                language=translation.get_language() or "fa",
            )
        except ComplaintError as error:
            form.add_error(None, str(error.message))
        else:
            return _see_other(
                reverse("complaints:complaint_receipt", args=[complaint.tracking_code])
            )
    return render(request, "complaints/complaint_new.html", {"form": form})


@never_cache
@require_safe
def complaint_receipt(request: HttpRequest, code: str) -> HttpResponse:
    """The receipt of the signed-in complainant's complaint: its code and deadline."""
    complaint = Complaint.objects.of_complainant(request.user).filter(tracking_code=code).first()
    if complaint is None:
        raise Http404("no such complaint of this person")
    _remember(request, complaint.tracking_code)
    return render(request, "complaints/complaint_receipt.html", {"complaint": complaint})


# --- track ------------------------------------------------------------------------------------


def _verified_codes(request: HttpRequest) -> list[str]:
    codes = request.session.get(VERIFIED_SESSION_KEY)
    return [str(code) for code in codes] if isinstance(codes, list) else []


def _remember(request: HttpRequest, code: str) -> None:
    codes = [item for item in _verified_codes(request) if item != code]
    request.session[VERIFIED_SESSION_KEY] = [*codes, code][-MAX_VERIFIED_CODES:]


def _track_page(
    request: HttpRequest, form: TrackComplaintForm, *, status: int = 200
) -> HttpResponse:
    context = {"form": form, "own": queries.applicant_complaints(request.user)}
    return render(request, "complaints/complaint_track.html", context, status=status)


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def complaint_track(request: HttpRequest) -> HttpResponse:
    """Follow a complaint by its code and the complainant's national code."""
    identity_required = not request.user.is_authenticated
    if request.method != "POST":
        initial = {"code": request.GET.get("code", "")[:40]}
        form = TrackComplaintForm(initial=initial, identity_required=identity_required)
        return _track_page(request, form)
    form = TrackComplaintForm(request.POST, identity_required=identity_required)
    lookup = ratelimit.limited_lookup(
        form,
        complaint_limits(client_ip(request)),
        lambda code, national_code: queries.follow_up_complaint(
            code, national_code=national_code, user=request.user
        ),
        not_found=NOT_FOUND,
    )
    complaint = lookup.found
    if complaint is None:
        return _track_page(request, form, status=lookup.status)
    _remember(request, complaint.tracking_code)
    return _see_other(reverse("complaints:complaint_track_detail", args=[complaint.tracking_code]))


@login_not_required
@never_cache
@require_safe
def complaint_track_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Status, deadline and (once decided) the outcome of a complaint this visitor proved."""
    complaint: Complaint | None = None
    try:
        code = normalize_tracking_code(code, CODE_LENGTH)
    except ValidationError:
        code = ""
    if code:
        complaint = queries.complaint_for_tracking(code)
    visible = complaint is not None and (
        code in _verified_codes(request) or queries.can_follow(complaint, request.user)
    )
    if not visible:
        return HttpResponseRedirect(
            f"{reverse('complaints:complaint_track')}?{urlencode({'code': code})}"
        )
    context: dict[str, Any] = {"complaint": complaint}
    return render(request, "complaints/complaint_track_detail.html", context)
