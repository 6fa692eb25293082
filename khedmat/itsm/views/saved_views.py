"""Saving and deleting a named incident or problem list (the queue and filters in its query)."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from khedmat.core.errors import DomainError
from khedmat.itsm import services
from khedmat.itsm.services.saved_views import INCIDENTS, PROBLEMS, clean_query
from khedmat.itsm.views.common import staff_of

#: Per list: the permission to read it and the name of its page.
LISTS = {
    INCIDENTS: ("itsm.view_incident", "itsm:desk_incident_list"),
    PROBLEMS: ("itsm.view_problem", "itsm:desk_problem_list"),
}


def _list_of(request: HttpRequest, kind: str) -> str:
    """The list page's URL, once the staff member may read the list."""
    permission, page = LISTS[kind]
    if not staff_of(request).has_perm(permission):
        raise PermissionDenied
    return reverse(page)


@require_POST
@login_required
def save_view(request: HttpRequest, kind: str) -> HttpResponse:
    """Keep the list's current queue and filters under a name."""
    page = _list_of(request, kind)
    query = request.POST.get("query", "")
    try:
        services.save_list_view(
            staff_of(request), kind=kind, name=request.POST.get("name", ""), query=query
        )
    except DomainError as error:
        flash.error(request, str(error.message))
    else:
        flash.success(request, _("The view was saved."))
    return redirect(f"{page}?{clean_query(query, kind)}")


@require_POST
@login_required
def delete_view(request: HttpRequest, kind: str, view_id: int) -> HttpResponse:
    """Delete one of the staff member's saved views (404 for anyone else's)."""
    page = _list_of(request, kind)
    if not services.delete_list_view(staff_of(request), kind=kind, view_id=view_id):
        raise Http404("no such saved view")
    flash.success(request, _("The view was deleted."))
    return redirect(page)


urlpatterns: list[URLPattern] = [
    path("desk/incidents/views/", save_view, {"kind": INCIDENTS}, name="desk_incident_view_save"),
    path(
        "desk/incidents/views/<int:view_id>/delete/",
        delete_view,
        {"kind": INCIDENTS},
        name="desk_incident_view_delete",
    ),
    path("desk/problems/views/", save_view, {"kind": PROBLEMS}, name="desk_problem_view_save"),
    path(
        "desk/problems/views/<int:view_id>/delete/",
        delete_view,
        {"kind": PROBLEMS},
        name="desk_problem_view_delete",
    ),
]
