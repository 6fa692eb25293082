"""The application page `/services/<code>/apply/` (R-8 to R-13): the card's form, filed once.

The route is `tickets:service_apply`, under the catalog's /services/<code>/ so the stable address
stays where the catalog published it. Anonymous visitors go to the applicant login and come back; staff are sent
to the desk's walk-in form; a card whose request stage is not electronic says where to apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, URLPattern, path, reverse, reverse_lazy
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from khedmat.accounts.models import User
from khedmat.accounts.otp import profile_is_complete
from khedmat.catalog import (
    converters,  # noqa: F401  (registers <service_code:…>)
)
from khedmat.catalog.formbuilder import InvalidAnswers
from khedmat.catalog.models import ServiceVersion
from khedmat.tickets import services
from khedmat.tickets.choices import IntakeChannel
from khedmat.tickets.errors import DailyLimitError, ServiceClosedError
from khedmat.tickets.forms.apply import (
    ApplicationForms,
    close_kept,
    kept_for_row,
    kept_uploads,
    stage_valid_uploads,
    with_kept,
)
from khedmat.tickets.models import StagedUpload
from khedmat.tickets.queries import open_version

APPLICANT_LOGIN_URL = reverse_lazy("accounts:applicant_login")
TEMPLATE = "tickets/apply.html"


class HttpResponseSeeOther(HttpResponseRedirect):
    """303: after a POST, the browser GETs the receipt (a reload does not post again)."""

    status_code = 303


@login_not_required  # anonymous visitors are sent to the applicant login, not the staff one
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def service_apply(request: HttpRequest, code: str) -> HttpResponse:
    """Apply for a published service online: the form on GET, the request filed on POST."""
    version = _card_or_404(code)
    service = version.service
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), str(APPLICANT_LOGIN_URL))
    assert isinstance(user, User)
    context: dict[str, Any] = {
        "service": service,
        "version": version,
        "inquiry_documents": [item for item in version.documents.all() if item.is_by_inquiry],
    }
    if user.is_staff_member:
        context["walk_in_url"] = _walk_in_url()
        return render(request, TEMPLATE, {**context, "page": "staff"})
    if not profile_is_complete(user):
        profile = reverse("accounts:applicant_profile")
        return HttpResponseRedirect(f"{profile}?{urlencode({'next': request.path})}")
    if not version.takes_online_requests():
        return render(request, TEMPLATE, {**context, "page": "closed"})
    if request.method == "POST":
        return _submit(request, context, user)
    return _render_form(request, context, ApplicationForms.build(version, user), kept={})


def _card_or_404(code: str) -> ServiceVersion:
    """The card in force of the published service (loaded once per process and version: the page
    shows only its form, documents, stages and fees)."""
    version = open_version(code)
    if version is None:
        raise Http404("no such published service")
    return version


def _walk_in_url() -> str | None:
    try:
        return reverse("tickets:walk_in")
    except NoReverseMatch:
        return None


def _submit(request: HttpRequest, context: dict[str, Any], user: User) -> HttpResponse:
    """Validate everything; file the request once, or show every error and keep the valid files."""
    version: ServiceVersion = context["version"]
    kept = kept_uploads(request.POST, user)
    try:
        bundle = ApplicationForms.build(version, user, request.POST, with_kept(request.FILES, kept))
        if bundle.is_valid():
            try:
                ticket = services.submit_request(
                    version,
                    answers=bundle.answers.answers,
                    documents=bundle.documents.descriptors(),
                    files=bundle.files(),
                    requester=user,
                    filed_by=user,
                    principal=bundle.representation.principal(),
                    representation=bundle.representation.representation(),
                    channel=IntakeChannel.ONLINE,
                    submission_key=bundle.submission_key,
                    language=request.LANGUAGE_CODE,
                )
            except InvalidAnswers as error:
                bundle.add_service_errors(error.errors)
            except (ServiceClosedError, DailyLimitError) as error:
                bundle.add_error(error.message)
            else:
                close_kept(kept)
                services.discard_staged_uploads(
                    [upload.staged for uploads in kept.values() for upload in uploads], owner=user
                )
                return HttpResponseSeeOther(reverse("tickets:receipt", args=[ticket.tracking_code]))
        staged = stage_valid_uploads(bundle.valid_uploads(), user)
        return _render_form(request, context, bundle, kept=staged)
    finally:
        close_kept(kept)


def _render_form(
    request: HttpRequest,
    context: dict[str, Any],
    bundle: ApplicationForms,
    *,
    kept: Mapping[str, list[StagedUpload]],
) -> HttpResponse:
    bundle.mark_invalid()
    answer_items = [
        {**item, "kept": kept_for_row(item["row"], kept)} for item in bundle.answers.visible_rows()
    ]
    document_items = [
        {"bound": bundle.documents[name], "document": document, "kept": kept.get(name, [])}
        for name, document in bundle.documents.documents.items()
    ]
    context = {
        **context,
        "page": "form",
        "forms": bundle,
        "answer_items": answer_items,
        "document_items": document_items,
        "errors": bundle.error_summary(),
    }
    return render(request, TEMPLATE, context)


urlpatterns: list[URLPattern] = [
    path("services/<service_code:code>/apply/", service_apply, name="service_apply"),
]
