"""What the ITSM API's operations share: the router, paging, the caller's permission, the
records they may see (404 otherwise) and the names that must exist (422 otherwise)."""

from typing import Any

from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Field, Router, Status
from ninja.errors import HttpError

from khedmat.accounts.models import Team, User
from khedmat.catalog.models import Service
from khedmat.cmdb.models import ConfigurationItem
from khedmat.core.pagination import KeysetPagination
from khedmat.itsm.api.schemas import (
    ErrorOut,
    IncidentOut,
    InvalidOut,
    KnownErrorOut,
    ProblemOut,
)
from khedmat.itsm.models import Incident, KnownError, Problem

router = Router(tags=["incidents"])

PAGE_LIMIT_DEFAULT = 25
PAGE_LIMIT_MAX = 100
LIST_RELATED = (
    "service__current_version",
    "ci",
    "category",
    "team",
    "assignee",
    "org_unit",
    "parent",
    "duplicate_of",
    "problem",
    "known_error",
)


class PageQuery(KeysetPagination.Input):
    limit: int = Field(PAGE_LIMIT_DEFAULT, ge=1, le=PAGE_LIMIT_MAX, description="Rows per page.")


class Pages(KeysetPagination):
    """A list a page at a time (core.pagination; 25 rows by default, at most 100)."""

    Input = PageQuery


# --- checks ------------------------------------------------------------------------------------


class Invalid(Exception):
    """Input naming something that does not exist (answered 422 with the field)."""

    def __init__(self, field: str, message: str) -> None:
        self.field, self.message = field, message
        super().__init__(message)


def caller_with(request: HttpRequest, *permissions: str) -> User:
    """The caller, who must hold every permission (403 "Forbidden", translated)."""
    user = request.user
    assert isinstance(user, User)  # django_auth let a signed-in user through
    if not all(user.has_perm(f"itsm.{name}") for name in permissions):
        raise HttpError(403, "Forbidden")
    return user


def incident_rows(user: User) -> QuerySet[Incident]:
    return Incident.objects.visible_to_staff(user).select_related(*LIST_RELATED)


def incident_for(user: User, code: str) -> Incident:
    incident = incident_rows(user).filter(tracking_code=code.strip()).first()
    if incident is None:
        raise HttpError(404, gettext("There is no such incident for you."))
    return incident


def problem_rows(user: User) -> QuerySet[Problem]:
    return (
        Problem.objects.visible_to_staff(user)
        .select_related("service__current_version", "org_unit", "team", "assignee", "ci")
        .annotate(incident_count=Count("incidents"))
    )


def problem_for(user: User, code: str) -> Problem:
    problem = problem_rows(user).filter(tracking_code=code.strip()).first()
    if problem is None:
        raise HttpError(404, gettext("There is no such problem for you."))
    return problem


def known_error_rows() -> QuerySet[KnownError]:
    return KnownError.objects.select_related("problem", "service__current_version", "ci")


def known_error_for(code: str) -> KnownError:
    known = known_error_rows().filter(code=code.strip()).first()
    if known is None:
        raise HttpError(404, gettext("There is no such known error."))
    return known


def invalid(error: Invalid) -> Status[Any]:
    return Status(422, {"detail": error.message, "errors": {error.field: [error.message]}})


def service_by_code(code: str | None) -> Service | None:
    if not code:
        return None
    service = Service.objects.filter(code=code.strip(), is_published=True).first()
    if service is None:
        raise Invalid("service_code", gettext("There is no published service with this code."))
    return service


def team_by_code(code: str | None, field: str = "team") -> Team | None:
    if not code:
        return None
    team = Team.objects.filter(code=code.strip()).first()
    if team is None:
        raise Invalid(field, gettext("There is no team with this code."))
    return team


def person_by(value: int | str | None, field: str) -> User | None:
    if value is None or value == "":
        return None
    people = User.objects.filter(is_active=True)
    person = (
        people.filter(pk=value).first()
        if isinstance(value, int)
        else people.filter(username=value.strip()).first()
    )
    if person is None:
        raise Invalid(field, gettext("There is no active person with this id or username."))
    return person


def named_incident(user: User, code: str, field: str) -> Incident:
    incident = incident_rows(user).filter(tracking_code=code.strip()).first()
    if incident is None:
        raise Invalid(field, gettext("There is no such incident for you."))
    return incident


def changed(user: User, incident: Incident) -> Status[Any]:
    """The incident as a use case left it, read again with what it shows."""
    fresh = incident_rows(user).filter(pk=incident.pk).first()
    if fresh is None:  # referred to a team the caller cannot see: shown once more all the same
        fresh = Incident.objects.select_related(*LIST_RELATED).get(pk=incident.pk)
    return Status(200, fresh)


LIST_RESPONSES: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 422: InvalidOut}
READ_RESPONSES: dict[int, Any] = {403: ErrorOut, 404: ErrorOut}
CHANGE_RESPONSES: dict[int, Any] = {
    200: IncidentOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: InvalidOut,
}
PROBLEM_CHANGE: dict[int, Any] = {**CHANGE_RESPONSES, 200: ProblemOut}
KNOWN_CHANGE: dict[int, Any] = {**CHANGE_RESPONSES, 200: KnownErrorOut}
KNOWN_FROM_PROBLEM: dict[int, Any] = {
    201: KnownErrorOut,
    **{status: schema for status, schema in CHANGE_RESPONSES.items() if status != 200},
}


def ci_by_code(code: str | None) -> ConfigurationItem | None:
    """The CMDB item with this code (any case); None when no code is given."""
    if not code:
        return None
    item = ConfigurationItem.objects.filter(code__iexact=code.strip()).first()
    if item is None:
        raise Invalid("ci", gettext("There is no configuration item with this code."))
    return item
