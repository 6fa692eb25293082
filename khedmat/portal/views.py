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
