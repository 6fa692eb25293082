"""Incidents, problems and known errors in the search index (normalised fa/ar/en), and their searches.

ITSM indexes its own records when they are written (services call these after commit) and
registers how to rebuild each kind; the search app only stores and matches normalised keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString

from khedmat.itsm.models import Incident, KnownError, Problem
from khedmat.search.backends import search
from khedmat.search.models import SearchEntry
from khedmat.search.services import (
    Document,
    index_document,
    rebuild_kind,
    register_reindexer,
    remove_document,
)

INCIDENT_KIND = "incident"
KNOWN_ERROR_KIND = "known_error"
PROBLEM_KIND = "problem"
RESULTS_MAX = 50
SUGGESTIONS = 5


def incident_document(incident: Incident) -> Document:
    texts = [
        incident.tracking_code,
        incident.description,
        incident.reporter_name,
        incident.configuration_item,
        *((incident.ci.code, incident.ci.name) if incident.ci else ()),
    ]
    return Document(
        object_id=incident.pk,
        title=incident.title,
        texts=texts,
        title_key=incident.tracking_code,
    )


def known_error_document(known: KnownError) -> Document:
    texts = [known.code, known.symptom, known.workaround, known.fix, known.configuration_item]
    return Document(object_id=known.pk, title=known.title, texts=texts, title_key=known.code)


def problem_document(problem: Problem) -> Document:
    texts = [
        problem.tracking_code,
        problem.symptom,
        problem.root_cause,
        problem.workaround,
        problem.permanent_fix,
    ]
    return Document(
        object_id=problem.pk, title=problem.title, texts=texts, title_key=problem.tracking_code
    )


def index_problem(problem: Problem) -> SearchEntry:
    """Index one problem (its use cases call this after commit whenever its text changes)."""
    return _index(PROBLEM_KIND, problem_document(problem))


def _index(kind: str, document: Document) -> SearchEntry:
    return index_document(
        kind,
        document.object_id,
        title=document.title,
        texts=document.texts,
        title_key=document.title_key,
    )


def index_incident(incident: Incident) -> SearchEntry:
    """Index one incident (report_incident calls this after commit)."""
    return _index(INCIDENT_KIND, incident_document(incident))


def index_known_error(known: KnownError) -> SearchEntry | None:
    """Index an active known error; a retired one leaves the index (it is not suggested)."""
    if not known.is_active:
        remove_document(KNOWN_ERROR_KIND, known.pk)
        return None
    return _index(KNOWN_ERROR_KIND, known_error_document(known))


def reindex_incidents() -> int:
    incidents = Incident.objects.select_related("ci").order_by("pk").iterator(chunk_size=2000)
    return rebuild_kind(INCIDENT_KIND, (incident_document(i) for i in incidents))


def reindex_known_errors() -> int:
    known = KnownError.objects.active().order_by("pk").iterator(chunk_size=2000)
    return rebuild_kind(KNOWN_ERROR_KIND, (known_error_document(k) for k in known))


def reindex_problems() -> int:
    problems = Problem.objects.order_by("pk").iterator(chunk_size=2000)
    return rebuild_kind(PROBLEM_KIND, (problem_document(p) for p in problems))


def register_reindexers() -> None:
    register_reindexer(INCIDENT_KIND, reindex_incidents)
    register_reindexer(PROBLEM_KIND, reindex_problems)
    register_reindexer(KNOWN_ERROR_KIND, reindex_known_errors)


@dataclass(frozen=True)
class Found:
    """A record the search found, with its title highlighted."""

    record: Any
    highlight: SafeString


def incident_search(query: str, user: Any, *, limit: int = RESULTS_MAX) -> list[Found]:
    """Incidents the staff member may see matching `query`, newest first."""
    visible = Incident.objects.visible_to_staff(user)
    hits = search(INCIDENT_KIND, query, limit=limit, filters={"within": visible, "order": "recent"})
    found = Incident.objects.in_bulk([hit.id for hit in hits])
    return [Found(found[hit.id], hit.highlight) for hit in hits if hit.id in found]


def problem_search(query: str, user: Any, *, limit: int = RESULTS_MAX) -> list[Found]:
    """Problems the staff member may see matching `query`, newest first."""
    visible = Problem.objects.visible_to_staff(user)
    hits = search(PROBLEM_KIND, query, limit=limit, filters={"within": visible, "order": "recent"})
    found = Problem.objects.in_bulk([hit.id for hit in hits])
    return [Found(found[hit.id], hit.highlight) for hit in hits if hit.id in found]


def known_error_search(
    query: str, *, limit: int = RESULTS_MAX, any_word: bool = False
) -> list[Found]:
    """Active known errors matching `query`, best first (`any_word`: suggestions)."""
    filters: dict[str, Any] = {"within": KnownError.objects.active()}
    if any_word:
        filters["match"] = "any"
    hits = search(KNOWN_ERROR_KIND, query, limit=limit, filters=filters)
    found = KnownError.objects.select_related("problem").in_bulk([hit.id for hit in hits])
    return [Found(found[hit.id], hit.highlight) for hit in hits if hit.id in found]


def suggest_known_errors(incident: Incident, *, limit: int = SUGGESTIONS) -> list[Found]:
    """Known errors that may explain an incident: by its title and description, any word."""
    return suggest_known_errors_for(f"{incident.title} {incident.description}", limit=limit)


def suggest_known_errors_for(text: str, *, limit: int = SUGGESTIONS) -> list[Found]:
    """Known errors matching any word of what an agent is typing (empty text: none)."""
    text = text.strip()[:400]
    return known_error_search(text, limit=limit, any_word=True) if text else []
