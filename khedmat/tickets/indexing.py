"""Requests in the search index, and the staff search over them (R-35).

Tickets indexes its own requests (when filed and when corrected) and answers the staff search;
the search app only stores and matches normalised keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString

from khedmat.search.backends import search
from khedmat.search.keys import query_words
from khedmat.search.models import SearchEntry
from khedmat.search.services import Document, index_document, rebuild_kind
from khedmat.tickets.models import Ticket

REQUEST_KIND = "request"
REQUEST_RESULTS_MAX = 50


def request_document(ticket: Ticket) -> Document:
    """A request as a search document: the applicant's name, found by codes, service and answers."""
    answers = [str(value) for value in (ticket.answers or {}).values() if isinstance(value, str)]
    version = ticket.service_version
    texts = [
        ticket.tracking_code,
        ticket.principal_national_code,
        ticket.representative_name,
        ticket.representative_national_code,
        version.title_fa if version is not None else "",
        *answers,
    ]
    return Document(
        object_id=ticket.pk,
        title=ticket.principal_name,
        texts=texts,
        title_key=ticket.tracking_code,
    )


def index_request(ticket: Ticket) -> SearchEntry:
    """Index one request (submit_request and correct_request call this)."""
    document = request_document(ticket)
    return index_document(
        REQUEST_KIND,
        document.object_id,
        title=document.title,
        texts=document.texts,
        title_key=document.title_key,
    )


def reindex_requests() -> int:
    """Rebuild the request entries from the tickets table; returns how many were indexed."""
    tickets = Ticket.objects.select_related("service_version").order_by("pk")
    return rebuild_kind(
        REQUEST_KIND, (request_document(ticket) for ticket in tickets.iterator(chunk_size=2000))
    )


@dataclass(frozen=True)
class RequestResult:
    """A request found by the staff search, with the applicant's name highlighted."""

    ticket: Any
    highlight: SafeString


#: Digits a code query needs before it is ranked: fewer match a large share of the requests (a
#: single digit: a fifth of a million), where ranking every match costs about a second.
RANKED_CODE_DIGITS = 4


def request_order(query: str) -> str:
    """ "ranked" for a query of digits only, at least RANKED_CODE_DIGITS of them (codes match few
    rows: the exact one first), else "recent" (newest first)."""
    words, _compact = query_words(query)
    digits = bool(words) and all(word.isdigit() for word in words)
    return "ranked" if digits and sum(map(len, words)) >= RANKED_CODE_DIGITS else "recent"


def request_search(
    query: str, user: Any, *, limit: int = REQUEST_RESULTS_MAX
) -> list[RequestResult]:
    """Requests the staff member may see matching `query`, newest first (two queries).

    Words: newest first, not ranked, as a common word matches a large share of a million
    requests and ranking them all costs hundreds of milliseconds. Codes (digits only): ranked
    (the exact tracking code first), through the full-text index (bench/bench_search.py).
    """
    visible = Ticket.objects.visible_to_staff(user)
    filters = {"within": visible, "order": request_order(query)}
    hits = search(REQUEST_KIND, query, limit=limit, filters=filters)
    if not hits:
        return []
    tickets = Ticket.objects.select_related("service_version").in_bulk([hit.id for hit in hits])
    return [RequestResult(tickets[hit.id], hit.highlight) for hit in hits if hit.id in tickets]
