"""Staff search over requests: tracking code, national code, name and answer text (R-35)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString

from khedmat.search.backends import search
from khedmat.search.keys import query_words
from khedmat.search.services import REQUEST_KIND

REQUEST_RESULTS_MAX = 50


@dataclass(frozen=True)
class RequestResult:
    """A request found by the staff search, with the applicant's name highlighted."""

    ticket: Any
    highlight: SafeString


def request_order(query: str) -> str:
    """ "ranked" for a query of digits only (codes match few rows), else "recent"."""
    words, _compact = query_words(query)
    return "ranked" if words and all(word.isdigit() for word in words) else "recent"


def request_search(
    query: str, user: Any, *, limit: int = REQUEST_RESULTS_MAX
) -> list[RequestResult]:
    """Requests the staff member may see matching `query`, newest first (two queries).

    Words: newest first, not ranked, as a common word matches a large share of a million
    requests and ranking them all costs hundreds of milliseconds. Codes (digits only): ranked
    (the exact tracking code first), through the full-text index (bench/bench_search.py).
    """
    from khedmat.tickets.models import Ticket

    visible = Ticket.objects.visible_to_staff(user)
    filters = {"within": visible, "order": request_order(query)}
    hits = search(REQUEST_KIND, query, limit=limit, filters=filters)
    if not hits:
        return []
    tickets = Ticket.objects.select_related("service_version").in_bulk([hit.id for hit in hits])
    return [RequestResult(tickets[hit.id], hit.highlight) for hit in hits if hit.id in tickets]
