"""Public portal pages: the home page with search, categories and the most used services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from khedmat.catalog import queries as catalog_queries

MOST_USED_COUNT = 6


@login_not_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The portal's front page."""
    return render(
        request,
        "portal/home.html",
        {
            "categories": [
                category
                for category in catalog_queries.category_list()
                if category.service_count  # type: ignore[attr-defined]
            ],
            "most_used": catalog_queries.most_used_services(MOST_USED_COUNT),
        },
    )


@login_not_required
@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice (ASVS 8.3.3): what the desk keeps about an applicant, why, who reads
    it, how long it is kept and how it is protected, in plain words."""
    return render(request, "portal/privacy.html")
