"""Public portal pages (the catalog and tracking arrive with their own apps)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    """The portal's front page."""
    return render(request, "portal/home.html")
