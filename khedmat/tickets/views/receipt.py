"""The applicant's requests (/requests/) and the receipt of one request (R-16), page and PDF."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from khedmat.core.pagination import BadCursor
from khedmat.tickets import receipts
from khedmat.tickets.models import Ticket

# Visitors who are not signed in are applicants far more often than staff: their login page
# links to the staff login for the others.
applicant_login_required = login_required(login_url=reverse_lazy("accounts:applicant_login"))


@applicant_login_required
@require_safe
def request_list(request: HttpRequest) -> HttpResponse:
    """The signed-in applicant's requests, newest first, twenty a page (?after= the next page)."""
    try:
        page = receipts.applicant_requests(request.user, after=request.GET.get("after") or None)
    except BadCursor:  # a damaged link: the first page
        page = receipts.applicant_requests(request.user)
    return render(request, "tickets/request_list.html", {"page": page})


def _receipt_or_404(request: HttpRequest, code: str) -> receipts.Receipt:
    """404 for an unknown code and for a request the user may not see: a guess learns nothing."""
    try:
        ticket = receipts.receipt_ticket(code)
    except Ticket.DoesNotExist as error:
        raise Http404("no such request") from error
    if not receipts.can_view_receipt(ticket, request.user):
        raise Http404("no such request")
    return receipts.build_receipt(ticket)


@applicant_login_required
@never_cache
@require_safe
def receipt(request: HttpRequest, code: str) -> HttpResponse:
    """The receipt on screen, with the PDF and print buttons."""
    return render(request, "tickets/receipt.html", {"receipt": _receipt_or_404(request, code)})


@applicant_login_required
@never_cache
@require_safe
def receipt_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The receipt as a PDF to keep or print, in the page's language."""
    receipt = _receipt_or_404(request, code)
    response = HttpResponse(receipts.render_receipt_pdf(receipt), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{receipt.tracking_code}.pdf"'
    return response


urlpatterns: list[URLPattern] = [
    path("requests/", request_list, name="request_list"),
    path("requests/<str:code>/receipt/", receipt, name="receipt"),
    path("requests/<str:code>/receipt.pdf", receipt_pdf, name="receipt_pdf"),
]
