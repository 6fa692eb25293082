"""The staff search over requests (/desk/search/)."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from khedmat.tickets import indexing

QUERY_MAX_LENGTH = 200


@require_GET
@permission_required("tickets.view_ticket", raise_exception=True)
def request_search(request: HttpRequest) -> HttpResponse:
    """Find requests by tracking code, national code, name or answer text (any digits)."""
    query = request.GET.get("q", "").strip()[:QUERY_MAX_LENGTH]
    results = indexing.request_search(query, request.user) if query else []
    return render(request, "search/request_search.html", {"query": query, "results": results})


urlpatterns = [path("desk/search/", request_search, name="request_search")]
