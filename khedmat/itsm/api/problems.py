"""The problem and known-error operations: lists (keyset pages), one record, logging one, and
the steps of a problem (root cause, known error, fix, close) and retiring a known error.

No `from __future__ import annotations` here: django-ninja reads the parameters of a paginated
operation in the namespace of ninja.pagination's wrapper, where a name in a string is unknown.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Query, Status
from ninja.pagination import paginate

from khedmat.accounts.models import User
from khedmat.itsm import queries, services
from khedmat.itsm.api.common import (
    KNOWN_CHANGE,
    KNOWN_FROM_PROBLEM,
    LIST_RESPONSES,
    PROBLEM_CHANGE,
    READ_RESPONSES,
    Invalid,
    Pages,
    caller_with,
    ci_by_code,
    invalid,
    known_error_for,
    known_error_rows,
    named_incident,
    problem_for,
    problem_rows,
    router,
    service_by_code,
    team_by_code,
)
from khedmat.itsm.api.schemas import (
    ErrorOut,
    FixIn,
    InvalidOut,
    KnownErrorFilters,
    KnownErrorIn,
    KnownErrorOut,
    ProblemDetailOut,
    ProblemFilters,
    ProblemIn,
    ProblemOut,
    RootCauseIn,
    WorkaroundIn,
)
from khedmat.itsm.indexing import known_error_search
from khedmat.itsm.models import KnownError, Problem

PROBLEMS, KNOWN_ERRORS = ["problems"], ["known-errors"]
KNOWN_ERROR_ORDER = ("-created_at", "-id")
SEARCH_LIMIT = 200

# --- problems ----------------------------------------------------------------------------------


@router.get(
    "/problems/",
    response={200: list[ProblemOut], **LIST_RESPONSES},
    summary="Problems",
    tags=PROBLEMS,
    url_name="problem_list",
)
@paginate(Pages, order=queries.PROBLEM_ORDER)
def list_problems(request: HttpRequest, filters: Query[ProblemFilters]) -> QuerySet[Problem]:
    """The problems the caller may see, optionally of one status, newest first, `limit` at a
    time, each with how many incidents it causes; pass `next` as `after`."""
    problems = problem_rows(caller_with(request, "view_problem"))
    return problems.filter(status=filters.status) if filters.status else problems


@router.get(
    "/problems/{code}/",
    response={200: ProblemDetailOut, **READ_RESPONSES},
    summary="One problem",
    tags=PROBLEMS,
    url_name="problem_detail",
)
def get_problem(request: HttpRequest, code: str) -> Status[Any]:
    """A problem the caller may see, with its incidents, known errors and timeline; 404 for
    one they may not see, as for an unknown code."""
    return Status(200, problem_for(caller_with(request, "view_problem"), code))


@router.post(
    "/problems/",
    response={201: ProblemOut, 403: ErrorOut, 409: ErrorOut, 422: InvalidOut},
    summary="Log a problem",
    tags=PROBLEMS,
    url_name="problem_create",
)
def create_problem(request: HttpRequest, body: ProblemIn) -> Status[Any]:
    """Log a problem, on its own or from incidents the caller may see (they are linked to it;
    its priority is their highest). 422 for an incident, service or team unknown."""
    user = caller_with(request, "add_problem", "view_incident")
    try:
        incidents = [named_incident(user, code, "incidents") for code in body.incidents]
        service, team = service_by_code(body.service_code), team_by_code(body.team)
        ci = ci_by_code(body.ci)
    except Invalid as error:
        return invalid(error)
    problem = services.open_problem(
        title=body.title,
        symptom=body.symptom,
        incidents=incidents,
        service=service,
        team=team,
        ci=ci,
        actor=user,
    )
    return Status(201, problem_rows(user).filter(pk=problem.pk).first() or problem)


def _changed_problem(user: User, problem: Problem) -> Status[Any]:
    return Status(200, problem_rows(user).filter(pk=problem.pk).first() or problem)


def _change_problem(request: HttpRequest, code: str) -> tuple[User, Problem]:
    user = caller_with(request, "view_problem", "change_problem")
    return user, problem_for(user, code)


@router.post(
    "/problems/{code}/root-cause/",
    response=PROBLEM_CHANGE,
    summary="Record a problem's root cause",
    tags=PROBLEMS,
    url_name="problem_root_cause",
)
def record_root_cause(request: HttpRequest, code: str, body: RootCauseIn) -> Status[Any]:
    """logged → root cause known, with what the analysis found; 422 when empty."""
    user, problem = _change_problem(request, code)
    problem = services.record_root_cause(problem, root_cause=body.root_cause, actor=user)
    return _changed_problem(user, problem)


@router.post(
    "/problems/{code}/known-error/",
    response=KNOWN_FROM_PROBLEM,
    summary="Record a problem's known error",
    tags=PROBLEMS,
    url_name="problem_known_error",
)
def record_known_error(request: HttpRequest, code: str, body: WorkaroundIn) -> Status[Any]:
    """→ known error: the workaround is written down and published as a known error (answered
    with it) that agents apply to new incidents. 422 when the workaround is empty."""
    user, problem = _change_problem(request, code)
    known = services.record_known_error(
        problem, workaround=body.workaround, title=body.title, actor=user
    )
    return Status(201, known_error_rows().get(pk=known.pk))


@router.post(
    "/problems/{code}/resolve/",
    response=PROBLEM_CHANGE,
    summary="Resolve a problem",
    tags=PROBLEMS,
    url_name="problem_resolve",
)
def resolve_problem(request: HttpRequest, code: str, body: FixIn) -> Status[Any]:
    """→ resolved with the permanent fix (its known errors carry it); 409 before the cause or
    the known error is recorded."""
    user, problem = _change_problem(request, code)
    return _changed_problem(user, services.resolve_problem(problem, fix=body.fix, actor=user))


@router.post(
    "/problems/{code}/close/",
    response=PROBLEM_CHANGE,
    summary="Close a problem",
    tags=PROBLEMS,
    url_name="problem_close",
)
def close_problem(request: HttpRequest, code: str) -> Status[Any]:
    """→ closed: a resolved problem after review, or a logged one that proved nothing."""
    user, problem = _change_problem(request, code)
    return _changed_problem(user, services.close_problem(problem, actor=user))


# --- known errors ------------------------------------------------------------------------------


@router.get(
    "/known-errors/",
    response={200: list[KnownErrorOut], **LIST_RESPONSES},
    summary="Known errors",
    tags=KNOWN_ERRORS,
    url_name="known_error_list",
)
@paginate(Pages, order=KNOWN_ERROR_ORDER)
def list_known_errors(
    request: HttpRequest, filters: Query[KnownErrorFilters]
) -> QuerySet[KnownError]:
    """Known errors, newest first, `limit` at a time; pass `next` as `after`. With `q`: the
    active ones whose title, symptom, workaround or fix hold every word (fa/ar/en normalised)."""
    caller_with(request, "view_knownerror")
    known = known_error_rows()
    if filters.q.strip():
        found = known_error_search(filters.q, limit=SEARCH_LIMIT)
        return known.filter(pk__in=[item.record.pk for item in found])
    return known.filter(is_active=True) if filters.active else known


@router.get(
    "/known-errors/{code}/",
    response={200: KnownErrorOut, **READ_RESPONSES},
    summary="One known error",
    tags=KNOWN_ERRORS,
    url_name="known_error_detail",
)
def get_known_error(request: HttpRequest, code: str) -> Status[Any]:
    """A known error (in use or retired) by its code."""
    caller_with(request, "view_knownerror")
    return Status(200, known_error_for(code))


@router.post(
    "/known-errors/",
    response={201: KnownErrorOut, 403: ErrorOut, 422: InvalidOut},
    summary="Record a known error",
    tags=KNOWN_ERRORS,
    url_name="known_error_create",
)
def create_known_error(request: HttpRequest, body: KnownErrorIn) -> Status[Any]:
    """Record a symptom and its workaround (optionally of a problem the caller may see) in the
    database agents search; 422 for a problem or service unknown."""
    user = caller_with(request, "add_knownerror")
    problem = None
    try:
        if body.problem:
            problem = (
                Problem.objects.visible_to_staff(user).filter(tracking_code=body.problem).first()
            )
            if problem is None:
                raise Invalid("problem", gettext("There is no such problem for you."))
        service = service_by_code(body.service_code)
        ci = ci_by_code(body.ci)
    except Invalid as error:
        return invalid(error)
    known = services.create_known_error(
        title=body.title,
        symptom=body.symptom,
        workaround=body.workaround,
        problem=problem,
        service=service,
        configuration_item=body.configuration_item,
        ci=ci,
        actor=user,
    )
    return Status(201, known_error_rows().get(pk=known.pk))


@router.post(
    "/known-errors/{code}/retire/",
    response=KNOWN_CHANGE,
    summary="Retire a known error",
    tags=KNOWN_ERRORS,
    url_name="known_error_retire",
)
def retire_known_error(request: HttpRequest, code: str) -> Status[Any]:
    """Stop suggesting a known error (fixed for good, or wrong); retiring twice changes nothing."""
    user = caller_with(request, "view_knownerror", "change_knownerror")
    known = services.retire_known_error(known_error_for(code), actor=user)
    return Status(200, known_error_rows().get(pk=known.pk))
