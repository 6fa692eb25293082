"""The edit page of a change: a draft's fields, or during assessment only its plans and planned
window (a standard change keeps its template's plans), saved through services.update_change.

Permissions as on the change page and its actions: changes.view_change to read (403), the change
visible to the staff member (404), changes.change_change to edit (403). A change that can no
longer be edited shows why and no form (409); a refused edit comes back as the form's error with
what was typed kept (400)."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from khedmat.accounts.models import User
from khedmat.changes import queries, services
from khedmat.changes.errors import NotEditableError
from khedmat.changes.forms import ChangeEditForm
from khedmat.core.errors import DomainError


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("changes.view_change", raise_exception=True)
def change_edit(request: HttpRequest, code: str) -> HttpResponse:
    """The change's form with the fields its status lets change; a post saves what differs."""
    user = request.user
    assert isinstance(user, User)  # permission_required let a signed-in user through
    if not user.has_perm("changes.change_change"):
        raise PermissionDenied
    change = queries.desk_change(user, code)
    if change is None:
        raise Http404("no such change")
    form = ChangeEditForm(request.POST if request.method == "POST" else None, change=change)
    if request.method == "POST" and form.is_valid():
        updates = form.updates()
        if form.editable and not updates:
            flash.info(request, _("Nothing was changed."))
            return redirect("changes:change_detail", code=change.tracking_code)
        try:
            services.update_change(change, actor=user, **updates)
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            flash.success(request, _("The change was saved."))
            return redirect("changes:change_detail", code=change.tracking_code)
    context = {
        "change": change,
        "form": form,
        "refusal": "" if form.editable else str(NotEditableError.default_message),
    }
    status = 400 if request.method == "POST" else 200
    if not form.editable:
        status = 409  # nothing may change in its status: say why, show no form
    return render(request, "changes/change_edit.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("<str:code>/edit/", change_edit, name="change_edit"),
]
