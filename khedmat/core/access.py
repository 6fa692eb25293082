"""Staff opening a citizen's personal data: the page views the owning apps call.

`personal_data_view(request, record, assigned=...)` writes the view's Activity row (who, when,
which record, why when asked; `core.services.record_personal_data_view`) or, with
KHEDMAT_ACCESS_REASON = "unassigned" and a record not assigned to the staff member or their
team, first answers a short form asking why; the reason is kept for the session, so the pages
after an action do not ask again. `access_log_page` lists who opened a record (permission
`core.view_access_log`); the owning app checks that the staff member may see the record.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.conf import settings
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from khedmat.core.models import Activity
from khedmat.core.pagination import view_page
from khedmat.core.services import record_personal_data_view

#: Session key of the reasons given, per record ("app.model:pk" -> reason).
SESSION_KEY = "khedmat_access_reasons"
#: Reasons kept per session (the oldest go first).
MAX_REMEMBERED = 50
ACCESS_LOG_ORDER = ("-created_at", "-id")


class AccessReasonForm(forms.Form):
    """Why a staff member opens a record that is not theirs."""

    reason = forms.CharField(
        label=_("Why do you open this record?"),
        max_length=500,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        help_text=_("The reason is kept in the record's access log with your name and the time."),
    )


def _key(record: models.Model) -> str:
    return f"{record._meta.label_lower}:{record.pk}"


def _remembered(request: HttpRequest, record: models.Model) -> str:
    reasons = request.session.get(SESSION_KEY) or {}
    return str(reasons.get(_key(record), "")) if isinstance(reasons, dict) else ""


def _remember(request: HttpRequest, record: models.Model, reason: str) -> None:
    reasons = request.session.get(SESSION_KEY) or {}
    reasons = dict(reasons) if isinstance(reasons, dict) else {}
    reasons.pop(_key(record), None)
    reasons[_key(record)] = reason
    while len(reasons) > MAX_REMEMBERED:
        reasons.pop(next(iter(reasons)))
    request.session[SESSION_KEY] = reasons


def reason_required(assigned: Callable[[], bool]) -> bool:
    """Whether the settings ask a reason of a staff member to whom the record is not assigned
    (`assigned` is called only then: it may cost a query)."""
    return settings.KHEDMAT_ACCESS_REASON == "unassigned" and not assigned()


def personal_data_view(
    request: HttpRequest, record: models.Model, *, assigned: Callable[[], bool]
) -> HttpResponse | None:
    """Record the staff member's view of `record` and return None (the page shows), or return
    the reason form when one is needed and not given yet in this session. A POST is the form."""
    reason = _remembered(request, record)
    if request.method == "POST" or (not reason and reason_required(assigned)):
        form = AccessReasonForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            _remember(request, record, form.cleaned_data["reason"])
            return redirect(request.path)
        status = 400 if form.is_bound else 200
        context = {"form": form, "record": record}
        return render(request, "core/access_reason.html", context, status=status)
    record_personal_data_view(record, actor=request.user, reason=reason)
    return None


def access_log_page(
    request: HttpRequest, record: models.Model, *, title: str, back_url: str
) -> HttpResponse:
    """Who opened `record`'s personal data, when and why, newest first (keyset pages). The
    caller checked `core.view_access_log` and that the staff member may see the record."""
    rows = Activity.objects.access_log_for(record).select_related("actor")
    page = view_page(request, rows, order=ACCESS_LOG_ORDER)
    context = {"page": page, "record": record, "title": title, "back_url": back_url}
    return render(request, "core/access_log.html", context)
