"""The save and delete pages of a saved desk list, mounted under the list by the app that owns it:

    urlpatterns = [*saved_view_urls("items/", "cis", name="ci"), ...]

gives `items/views/` (`ci_view_save`) and `items/views/<id>/delete/` (`ci_view_delete`). Both need
the permission that reads the list; a view is only its owner's (404 for anyone else's)."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from khedmat.core.errors import DomainError
from khedmat.core.saved_views import clean_query, delete_list_view, save_list_view, saved_list


def _staff(request: HttpRequest, kind: str) -> tuple[AbstractBaseUser, str]:
    """The signed-in staff member, once they may read the list, and the list page's URL."""
    saved = saved_list(kind)
    user = request.user
    if not isinstance(user, AbstractBaseUser) or not request.user.has_perm(saved.permission):
        raise PermissionDenied
    return user, reverse(saved.page)


@require_POST
def save_view(request: HttpRequest, kind: str) -> HttpResponse:
    """Keep the list's current filters under a name, then show the list with them."""
    user, page = _staff(request, kind)
    query = request.POST.get("query", "")
    try:
        save_list_view(user, kind=kind, name=request.POST.get("name", ""), query=query)
    except DomainError as error:
        flash.error(request, str(error.message))
    else:
        flash.success(request, _("The view was saved."))
    return redirect(f"{page}?{clean_query(query, kind)}")


@require_POST
def delete_view(request: HttpRequest, kind: str, view_id: int) -> HttpResponse:
    """Delete one of the staff member's saved views."""
    user, page = _staff(request, kind)
    if not delete_list_view(user, kind=kind, view_id=view_id):
        raise Http404("no such saved view")
    flash.success(request, _("The view was deleted."))
    return redirect(page)


def saved_view_urls(prefix: str, kind: str, *, name: str) -> list[URLPattern]:
    """The save and delete URLs of the list `kind`, under `prefix` (the list's own path)."""
    return [
        path(f"{prefix}views/", save_view, {"kind": kind}, name=f"{name}_view_save"),
        path(
            f"{prefix}views/<int:view_id>/delete/",
            delete_view,
            {"kind": kind},
            name=f"{name}_view_delete",
        ),
    ]
