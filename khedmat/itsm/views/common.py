"""What the desk's ITSM views share: the signed-in staff member and records they may see."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from khedmat.accounts.models import User
from khedmat.itsm import queries
from khedmat.itsm.models import Incident, Problem


def staff_of(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # permission_required let a signed-in user through
    return user


def incident_or_404(user: User, code: str) -> Incident:
    incident = queries.desk_incident(user, code)
    if incident is None:
        raise Http404("no such incident for this staff member")
    return incident


def problem_or_404(user: User, code: str) -> Problem:
    problem = queries.desk_problem(user, code)
    if problem is None:
        raise Http404("no such problem for this staff member")
    return problem
