"""Staff pages of problems and known errors: lists, new ones, one problem with its actions, one
known error (retire)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khedmat.accounts.models import User
from khedmat.core.errors import DomainError
from khedmat.core.pagination import view_page
from khedmat.core.saved_views import clean_query, saved_views_of
from khedmat.itsm import queries, services
from khedmat.itsm.forms import (
    PROBLEM_ACTIONS,
    KnownErrorForm,
    KnownErrorSearchForm,
    ProblemActionForm,
    ProblemForm,
    problem_forms,
)
from khedmat.itsm.indexing import known_error_search, suggest_known_errors_for
from khedmat.itsm.list_forms import ProblemFilterForm
from khedmat.itsm.models import KnownError, Problem
from khedmat.itsm.views.common import problem_or_404, staff_of

KNOWN_ERROR_ORDER = ("-created_at", "-id")


# --- problems -------------------------------------------------------------------------------------


@require_GET
@permission_required("itsm.view_problem", raise_exception=True)
def desk_problem_list(request: HttpRequest) -> HttpResponse:
    """One queue (tab) of problems, filtered, newest first, keyset pages; saved views on top."""
    user = staff_of(request)
    queue = request.GET.get("queue", queries.QUEUE_OPEN)
    queue = queue if queue in queries.PROBLEM_QUEUES else queries.QUEUE_OPEN
    form = ProblemFilterForm(request.GET or None)
    rows = queries.problem_rows(user, queue, form.filters())
    page = view_page(request, rows, order=queries.PROBLEM_ORDER, size=queries.PAGE_SIZE)
    context = {
        "form": form,
        "page": page,
        "queue": queue,
        "queues": list(queries.PROBLEM_QUEUES.items()),
        "after": request.GET.get("after", ""),
        "saved_views": saved_views_of(user, "problems"),
        "current_query": clean_query(request.GET.urlencode(), "problems"),
    }
    return render(request, "itsm/desk_problem_list.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("itsm.add_problem", raise_exception=True)
def desk_problem_new(request: HttpRequest) -> HttpResponse:
    """Open a problem, on its own or from one incident."""
    user = staff_of(request)
    form = ProblemForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            problem = services.open_problem(
                title=data["title"],
                symptom=data["symptom"],
                incidents=[data["incident"]] if data["incident"] else [],
                service=data["service"],
                team=data["team"],
                actor=user,
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            flash.success(request, _("The problem was logged."))
            return redirect("itsm:desk_problem_detail", code=problem.tracking_code)
    return render(request, "itsm/desk_problem_new.html", {"form": form})


def _problem_context(
    user: User, problem: Problem, bound: tuple[str, ProblemActionForm] | None = None
) -> dict[str, Any]:
    return {
        "problem": problem,
        "relations": queries.problem_relations(problem, user),
        "timeline": queries.desk_timeline(problem),
        "forms": problem_forms(problem, user, bound),
        "labels": {name: label for name, (_form, label, _status) in PROBLEM_ACTIONS.items()},
        "failed": bound[0] if bound else "",
    }


@require_GET
@permission_required("itsm.view_problem", raise_exception=True)
def desk_problem_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One problem: symptom, root cause, workaround, fix, incidents, known errors, actions."""
    user = staff_of(request)
    context = _problem_context(user, problem_or_404(user, code))
    return render(request, "itsm/desk_problem_detail.html", context)


ProblemRun = Callable[[Problem, dict[str, Any], User], object]

PROBLEM_RUNS: dict[str, tuple[ProblemRun, Promise]] = {
    "root_cause": (
        lambda p, d, u: services.record_root_cause(p, root_cause=d["root_cause"], actor=u),
        _("The root cause was recorded."),
    ),
    "known_error": (
        lambda p, d, u: services.record_known_error(
            p, workaround=d["workaround"], title=d["title"], actor=u
        ),
        _("The known error was recorded; agents are offered its workaround."),
    ),
    "resolve": (
        lambda p, d, u: services.resolve_problem(p, fix=d["fix"], actor=u),
        _("The problem is resolved."),
    ),
    "close": (lambda p, d, u: services.close_problem(p, actor=u), _("The problem is closed.")),
    "link_incident": (
        lambda p, d, u: services.link_incident_to_problem(p, incident=d["code"], actor=u),
        _("The incident was linked to the problem."),
    ),
}


@require_POST
@permission_required("itsm.change_problem", raise_exception=True)
def desk_problem_act(request: HttpRequest, code: str) -> HttpResponse:
    """One action on the problem (the `action` field), through its one service."""
    user = staff_of(request)
    action = request.POST.get("action", "")
    if action not in PROBLEM_RUNS:
        raise Http404("no such action")
    problem = problem_or_404(user, code)
    form = PROBLEM_ACTIONS[action][0](request.POST, user=user, prefix=action)
    if form.is_valid():
        run, done = PROBLEM_RUNS[action]
        try:
            run(problem, form.cleaned_data, user)
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            flash.success(request, str(done))
            return redirect("itsm:desk_problem_detail", code=problem.tracking_code)
    context = _problem_context(user, problem_or_404(user, code), (action, form))
    return render(request, "itsm/desk_problem_detail.html", context, status=400)


# --- known errors ---------------------------------------------------------------------------------


@require_GET
@permission_required("itsm.view_knownerror", raise_exception=True)
def desk_known_error_list(request: HttpRequest) -> HttpResponse:
    """Known errors, newest first (keyset pages), or those matching the words, best first."""
    form = KnownErrorSearchForm(request.GET or None)
    text, retired = form.values()
    context: dict[str, Any] = {"form": form, "text": text, "after": request.GET.get("after", "")}
    if text:
        context["found"] = known_error_search(text)
    else:
        rows = queries.known_errors(active_only=not retired)
        context["page"] = view_page(request, rows, order=KNOWN_ERROR_ORDER, size=queries.PAGE_SIZE)
    return render(request, "itsm/desk_known_error_list.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("itsm.add_knownerror", raise_exception=True)
def desk_known_error_new(request: HttpRequest) -> HttpResponse:
    """Record a known error: its symptom and the workaround agents apply."""
    user = staff_of(request)
    form = KnownErrorForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            known = services.create_known_error(
                title=data["title"],
                symptom=data["symptom"],
                workaround=data["workaround"],
                problem=data["problem"],
                service=data["service"],
                configuration_item=data["configuration_item"],
                actor=user,
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            flash.success(request, _("The known error was recorded."))
            return redirect("itsm:desk_known_error_detail", code=known.code)
    return render(request, "itsm/desk_known_error_new.html", {"form": form})


def _known_error(code: str) -> KnownError:
    known = queries.desk_known_error(code)
    if known is None:
        raise Http404("no such known error")
    return known


@require_GET
@permission_required("itsm.view_knownerror", raise_exception=True)
def desk_known_error_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One known error: symptom, workaround, fix, its problem; retire it when it is wrong."""
    known = _known_error(code)
    context = {"known": known, "timeline": queries.desk_timeline(known)}
    return render(request, "itsm/desk_known_error_detail.html", context)


@require_POST
@permission_required("itsm.change_knownerror", raise_exception=True)
def desk_known_error_retire(request: HttpRequest, code: str) -> HttpResponse:
    """Stop suggesting the known error."""
    known = _known_error(code)
    services.retire_known_error(known, actor=staff_of(request))
    flash.success(request, _("The known error is retired; it is no longer suggested."))
    return redirect("itsm:desk_known_error_detail", code=known.code)


@require_GET
@permission_required("itsm.view_incident", raise_exception=True)
def desk_known_error_suggest(request: HttpRequest) -> HttpResponse:
    """HTMX: the known errors matching the title and description being typed."""
    text = f"{request.GET.get('title', '')} {request.GET.get('description', '')}"
    results = suggest_known_errors_for(text)
    return render(request, "itsm/_desk_known_error_suggestions.html", {"results": results})


urlpatterns: list[URLPattern] = [
    path(
        "desk/known-errors/suggest/",
        desk_known_error_suggest,
        name="desk_known_error_suggest",
    ),
    path("desk/problems/", desk_problem_list, name="desk_problem_list"),
    path("desk/problems/new/", desk_problem_new, name="desk_problem_new"),
    path("desk/problems/<str:code>/", desk_problem_detail, name="desk_problem_detail"),
    path("desk/problems/<str:code>/act/", desk_problem_act, name="desk_problem_act"),
    path("desk/known-errors/", desk_known_error_list, name="desk_known_error_list"),
    path("desk/known-errors/new/", desk_known_error_new, name="desk_known_error_new"),
    path("desk/known-errors/<str:code>/", desk_known_error_detail, name="desk_known_error_detail"),
    path(
        "desk/known-errors/<str:code>/retire/",
        desk_known_error_retire,
        name="desk_known_error_retire",
    ),
]
