"""Use cases of problems and known errors: open, analyse, record the known error, fix, apply."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import partial

from django.db import transaction
from django.utils import timezone

from khedmat.accounts.models import Team, User
from khedmat.catalog.models import Service
from khedmat.cmdb.models import ConfigurationItem
from khedmat.core.actors import Actor
from khedmat.core.services import record_activity
from khedmat.itsm.choices import ProblemStatus
from khedmat.itsm.errors import LinkError, TextMissingError
from khedmat.itsm.indexing import index_known_error, index_problem
from khedmat.itsm.models import Incident, KnownError, Problem
from khedmat.itsm.services.common import actor_user, after_commit, move, new_code
from khedmat.itsm.services.incidents import reply_to_reporter

P = ProblemStatus


def _locked(problem: Problem) -> Problem:
    return Problem.objects.select_for_update().get(pk=problem.pk)


def open_problem(
    *,
    title: str,
    symptom: str = "",
    incidents: Sequence[Incident] = (),
    service: Service | None = None,
    team: Team | None = None,
    ci: ConfigurationItem | None = None,
    actor: User,
    now: dt.datetime | None = None,
) -> Problem:
    """Log a problem, on its own or from incidents (they are linked to it)."""
    if not title.strip():
        raise TextMissingError()
    now = now or timezone.now()
    first = incidents[0] if incidents else None
    with transaction.atomic():
        problem = Problem.objects.create(
            tracking_code=new_code(Problem),
            title=title.strip(),
            symptom=symptom.strip() or (first.description if first else ""),
            service=service or (first.service if first else None),
            configuration_item=first.configuration_item if first else "",
            ci=ci or (first.ci if first else None),
            priority=max((i.priority for i in incidents), default="normal", key=_rank),
            team=team,
            org_unit=team.org_unit if team else (first.org_unit if first else None),
            created_by=actor,
            created_at=now,
            status_changed_at=now,
        )
        record_activity(problem, "problem.logged", actor=actor, new=P.LOGGED)
        for incident in incidents:
            _link(problem, incident, actor=actor)
        after_commit(partial(index_problem, problem))
    return problem


def _rank(priority: str) -> int:
    from khedmat.sla.choices import PRIORITY_RANK

    return PRIORITY_RANK.get(priority, 0)


def _link(problem: Problem, incident: Incident, *, actor: Actor) -> None:
    if incident.problem_id == problem.pk:
        return
    Incident.objects.filter(pk=incident.pk).update(problem=problem)
    incident.problem = problem
    user = actor_user(actor)
    record_activity(problem, "problem.incident_linked", actor=user, data={"incident": incident.pk})
    record_activity(incident, "incident.problem_linked", actor=user, new=problem.pk)


def link_incident_to_problem(problem: Problem, *, incident: Incident, actor: Actor) -> Problem:
    """Link one more incident to the problem."""
    if problem.status == P.CLOSED:
        raise LinkError()
    with transaction.atomic():
        _link(problem, incident, actor=actor)
    return problem


def record_root_cause(
    problem: Problem, *, root_cause: str, actor: User, now: dt.datetime | None = None
) -> Problem:
    """logged → root cause known, with what the analysis found."""
    if not root_cause.strip():
        raise TextMissingError()
    with transaction.atomic():
        problem = _locked(problem)
        move(
            problem,
            P.ROOT_CAUSE_KNOWN,
            actor=actor,
            verb="problem.root_cause_found",
            now=now,
            data={"root_cause": root_cause.strip()},
        )
        problem.root_cause = root_cause.strip()
        problem.save(update_fields=["status", "status_changed_at", "root_cause"])
        after_commit(partial(index_problem, problem))
    return problem


def record_known_error(
    problem: Problem,
    *,
    workaround: str,
    title: str = "",
    actor: User,
    now: dt.datetime | None = None,
) -> KnownError:
    """→ known error: the workaround is written down and published in the known-error database."""
    if not workaround.strip():
        raise TextMissingError()
    now = now or timezone.now()
    with transaction.atomic():
        problem = _locked(problem)
        move(problem, P.KNOWN_ERROR, actor=actor, verb="problem.known_error_recorded", now=now)
        problem.workaround = workaround.strip()
        problem.save(update_fields=["status", "status_changed_at", "workaround"])
        after_commit(partial(index_problem, problem))
        known = create_known_error(
            title=title or problem.title,
            symptom=problem.symptom or problem.title,
            workaround=problem.workaround,
            problem=problem,
            service=problem.service,
            configuration_item=problem.configuration_item,
            ci=problem.ci,
            actor=actor,
            now=now,
        )
    return known


def resolve_problem(
    problem: Problem, *, fix: str, actor: User, now: dt.datetime | None = None
) -> Problem:
    """→ resolved: the permanent fix is in; its known errors carry the fix."""
    if not fix.strip():
        raise TextMissingError()
    now = now or timezone.now()
    with transaction.atomic():
        problem = _locked(problem)
        move(problem, P.RESOLVED, actor=actor, verb="problem.resolved", now=now, data={"fix": fix})
        problem.permanent_fix, problem.resolved_at = fix.strip(), now
        problem.save(update_fields=["status", "status_changed_at", "permanent_fix", "resolved_at"])
        after_commit(partial(index_problem, problem))
        for known in problem.known_errors.all():
            known.fix, known.updated_at = problem.permanent_fix, now
            known.save(update_fields=["fix", "updated_at"])
            after_commit(partial(index_known_error, known))
    return problem


def close_problem(problem: Problem, *, actor: User, now: dt.datetime | None = None) -> Problem:
    """→ closed (a resolved problem after review, or a logged one that proved nothing)."""
    now = now or timezone.now()
    with transaction.atomic():
        problem = _locked(problem)
        move(problem, P.CLOSED, actor=actor, verb="problem.closed", now=now)
        problem.closed_at = now
        problem.save(update_fields=["status", "status_changed_at", "closed_at"])
    return problem


def create_known_error(
    *,
    title: str,
    symptom: str,
    workaround: str,
    problem: Problem | None = None,
    service: Service | None = None,
    configuration_item: str = "",
    ci: ConfigurationItem | None = None,
    actor: User,
    now: dt.datetime | None = None,
) -> KnownError:
    """Record a known error (symptom and workaround) in the database agents search."""
    if not (title.strip() and symptom.strip() and workaround.strip()):
        raise TextMissingError()
    now = now or timezone.now()
    with transaction.atomic():
        known = KnownError.objects.create(
            code=new_code(KnownError, "code"),
            title=title.strip(),
            symptom=symptom.strip(),
            workaround=workaround.strip(),
            problem=problem,
            service=service,
            configuration_item=configuration_item,
            ci=ci,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        record_activity(known, "known_error.recorded", actor=actor)
        after_commit(lambda: index_known_error(known))
    return known


def retire_known_error(known: KnownError, *, actor: User) -> KnownError:
    """Stop suggesting a known error (fixed for good, or wrong)."""
    with transaction.atomic():
        if not known.is_active:
            return known
        known.is_active = False
        known.save(update_fields=["is_active"])
        record_activity(known, "known_error.retired", actor=actor)
        after_commit(lambda: index_known_error(known))
    return known


def apply_known_error(
    incident: Incident, *, known: KnownError, actor: User, now: dt.datetime | None = None
) -> Incident:
    """Send the known error's workaround to the reporter as a reply and link the incident to it
    (and to its problem). Only an open incident and an active known error."""
    if not (incident.is_open and known.is_active):
        raise LinkError()
    with transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(known_error=known)
        incident.known_error = known
        record_activity(
            incident, "incident.known_error_applied", actor=actor, data={"known_error": known.pk}
        )
        reply_to_reporter(incident, text=known.workaround, actor=actor, now=now)
        if known.problem_id is not None and incident.problem_id is None:
            assert known.problem is not None
            _link(known.problem, incident, actor=actor)
    return incident
