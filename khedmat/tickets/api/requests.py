"""The caller's requests: `GET /` (theirs, newest first, a page at a time) and `GET /{code}` (one
they follow); and how a request is shown, which the public tracking answer shares."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Field, Status
from ninja.pagination import paginate

from khedmat.accounts.models import User
from khedmat.core.pagination import KeysetPagination
from khedmat.core.sql import ReusedQuery
from khedmat.core.tracking import is_valid_tracking_code, normalize_tracking_code
from khedmat.tickets import queries, receipts, services
from khedmat.tickets.api.schemas import RequestOut, error_status
from khedmat.tickets.models import Ticket

PAGE_LIMIT_DEFAULT = 20
PAGE_LIMIT_MAX = 100


class RequestPageQuery(KeysetPagination.Input):
    limit: int = Field(PAGE_LIMIT_DEFAULT, ge=1, le=PAGE_LIMIT_MAX, description="Rows per page.")


class RequestPages(KeysetPagination):
    """The caller's requests a page at a time (core.pagination): 20 by default, at most 100."""

    Input = RequestPageQuery


# --- one request ------------------------------------------------------------------------------


def _detail_rows(code: str) -> QuerySet[Ticket]:
    return queries.with_detail(Ticket.objects.filter(tracking_code=code)).order_by()[:1]


# Read on every GET /{code}: compiled once (core.sql).
_DETAIL = ReusedQuery(_detail_rows, "tickets.api.detail_ticket")


def detail_ticket(code: str) -> Ticket | None:
    """The request with `code` and what its detail shows (queries.DETAIL_FIELDS), in one query."""
    return next(iter(_DETAIL.objects(code)), None)


def detail(ticket: Ticket) -> dict[str, Any]:
    """What RequestDetailOut shows of a request read by `detail_ticket`."""
    page = queries.track_page(ticket)
    return {
        **RequestOut.from_orm(ticket).model_dump(),
        "expected_at": page.expected_at,
        "pause_reason": page.pause_reason,
        "handler": page.handler,
        "history": [asdict(entry) for entry in page.history],
    }


def caller(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # django_auth let a signed-in user through
    return user


def _no_such_request() -> Status[Any]:
    return error_status(
        404, gettext("There is no request with this tracking code for you to follow.")
    )


# --- endpoints --------------------------------------------------------------------------------


@paginate(RequestPages, order=receipts.REQUEST_ORDER)
def list_requests(request: HttpRequest) -> QuerySet[Ticket]:
    """The requests the caller filed or that were filed for them, newest first, `limit` at a
    time (at most 100); pass `next` as `after`. A constant number of queries per page."""
    return Ticket.objects.visible_to_applicant(caller(request)).select_related(
        "service", "service_version"
    )


def get_request(request: HttpRequest, code: str) -> Status[Any]:
    """A request the caller follows: status, stage, promised and expected dates, pause reason,
    handler and its public history. 404 for a request of someone else, as for an unknown code."""
    if not is_valid_tracking_code(code):
        return _no_such_request()
    ticket = detail_ticket(normalize_tracking_code(code))
    if ticket is None or not services.can_follow(ticket, caller(request)):
        return _no_such_request()
    return Status(200, detail(ticket))
