"""The public survey page (no login, by link token), the desk report and the follow-up list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from khedmat.core import ratelimit
from khedmat.core.http import client_limit_address
from khedmat.core.translated import translated_text
from khedmat.surveys import queries, services
from khedmat.surveys.choices import InvitationStatus
from khedmat.surveys.conf import setting
from khedmat.surveys.errors import AlreadyAnsweredError, SurveyError, SurveyExpiredError
from khedmat.surveys.forms import CloseFollowUpForm, SurveyForm
from khedmat.surveys.models import SurveyInvitation
from khedmat.tickets.views.track import followed_ticket


def _rate_key(request: HttpRequest) -> str:
    return f"survey:ip:{client_limit_address(request)}"


def _unavailable(request: HttpRequest, *, status: int = 404, limited: bool = False) -> HttpResponse:
    """The same friendly page for an unknown, mangled or expired link."""
    return render(request, "surveys/survey_unavailable.html", {"limited": limited}, status=status)


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    """Answer the survey a link token opens: once, before it expires."""
    key = _rate_key(request)
    if ratelimit.retry_after(key, maximum=setting("KHEDMAT_SURVEY_MAX_FAILURES_PER_IP")):
        return _unavailable(request, status=429, limited=True)
    invitation = services.invitation_for_token(token)
    if invitation is None:
        ratelimit.record_failure(key, window=setting("KHEDMAT_SURVEY_WINDOW_SECONDS"))
        return _unavailable(request)
    return _survey_page(request, invitation)


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def survey_from_tracking(request: HttpRequest, code: str) -> HttpResponse:
    """The survey of a request whose tracking code this visitor proved on /track/ (or follows):
    R-26's link on the tracking page, with no token to show since only hashes are kept."""
    ticket = followed_ticket(request, code)
    invitation = (
        SurveyInvitation.objects.select_related("ticket__service_version", "definition")
        .filter(ticket=ticket)
        .first()
        if ticket is not None
        else None
    )
    if invitation is None:
        return _unavailable(request)
    return _survey_page(request, invitation)


def _survey_page(request: HttpRequest, invitation: SurveyInvitation) -> HttpResponse:
    language = (get_language() or "fa")[:2]
    ticket = invitation.ticket
    context = {
        "invitation": invitation,
        "tracking_code": ticket.tracking_code,
        "service_title": translated_text(ticket.service_version, "title", language),
    }
    if invitation.status == InvitationStatus.ANSWERED:
        refused = request.method == "POST"
        return render(request, "surveys/survey_answered.html", {**context, "refused": refused})
    if not invitation.is_open():
        return _unavailable(request, status=410)
    questions = list(invitation.definition.questions.all())
    form = SurveyForm(questions, language, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_survey(invitation, answers=form.cleaned_data)
        except SurveyExpiredError:
            return _unavailable(request, status=410)
        except SurveyError as error:
            if isinstance(error, AlreadyAnsweredError):
                return render(request, "surveys/survey_answered.html", {**context, "refused": True})
            form.add_error(None, error.message)
        else:
            return render(request, "surveys/survey_thanks.html", context)
    status = 400 if request.method == "POST" else 200
    return render(request, "surveys/survey_form.html", {**context, "form": form}, status=status)


@require_safe
@permission_required("surveys.view_surveyinvitation", raise_exception=True)
def survey_report(request: HttpRequest) -> HttpResponse:
    """Satisfaction per service, team, agent and month, with the response rate."""
    period = request.GET.get("period", queries.DEFAULT_PERIOD)
    if period not in queries.PERIODS:
        period = queries.DEFAULT_PERIOD
    report = queries.survey_report(request.user, period=period)
    return render(
        request,
        "surveys/survey_report.html",
        {
            "report": report,
            "period": period,
            "periods": [(key, label) for key, (label, _days) in queries.PERIODS.items()],
            "follow_ups": queries.open_follow_ups(request.user, limit=10),
        },
    )


@require_safe
@permission_required("surveys.view_surveyfollowup", raise_exception=True)
def follow_up_list(request: HttpRequest) -> HttpResponse:
    """Low scores for supervisors: open first, then the closed ones."""
    rows = list(queries.follow_ups_visible_to(request.user).order_by("status", "-created_at")[:200])
    return render(
        request,
        "surveys/surveyfollowup_list.html",
        {"follow_ups": rows, "form": CloseFollowUpForm()},
    )


@require_POST
@permission_required("surveys.change_surveyfollowup", raise_exception=True)
def follow_up_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close a follow-up the user may see, with a note."""
    follow_up = queries.follow_ups_visible_to(request.user).filter(pk=pk).first()
    if follow_up is None:
        raise Http404
    form = CloseFollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.close_follow_up(follow_up, note=form.cleaned_data["note"], actor=request.user)  # type: ignore[arg-type]
        except SurveyError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("The follow-up was closed."))
    else:
        messages.error(request, _("Write a note on what was done before closing the follow-up."))
    return HttpResponseRedirect(reverse("surveys:follow_up_list"))
