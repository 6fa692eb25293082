"""The staff workspace; work queues arrive with the processes app."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@staff_member_required(login_url="accounts:login")
def home(request: HttpRequest) -> HttpResponse:
    """The staff member's start page: their units and teams."""
    teams = request.user.teams.select_related("org_unit").order_by("name")  # type: ignore[union-attr]
    return render(request, "desk/home.html", {"teams": teams})
