"""`POST /track`: public (R-17), a request by its tracking code and a national code, with
failures rate-limited like the /track/ page."""

from __future__ import annotations

import hmac
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext, ngettext
from ninja import Status

from khedmat.core.digits import fold_digits
from khedmat.core.http import client_ip
from khedmat.core.tracking import is_valid_tracking_code, normalize_tracking_code
from khedmat.tickets import ratelimit
from khedmat.tickets.api.requests import detail, detail_ticket
from khedmat.tickets.api.schemas import TrackIn, error_status
from khedmat.tickets.models import Ticket


def too_many_response(seconds: int) -> JsonResponse:
    """429 with a translated wait and Retry-After (the complaints API shares it)."""
    count = ratelimit.minutes(seconds)
    message = ngettext(
        "Too many failed attempts. Try again in %(count)d minute.",
        "Too many failed attempts. Try again in %(count)d minutes.",
        count,
    )
    response = JsonResponse({"detail": message % {"count": count}}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def _national_code(value: str) -> str:
    return "".join(fold_digits(value).split()).replace("-", "")


def _proves(ticket: Ticket | None, national_code: str) -> bool:
    """The rule of queries.follow_up_ticket on the row already read (one query, not two): the
    principal's or the representative's code, compared in constant time; "" never matches."""
    stored = (
        (ticket.principal_national_code, ticket.representative_national_code)
        if ticket is not None
        else ("", "")
    )
    given = national_code.encode()
    matches = [hmac.compare_digest(given, code.encode()) and bool(code) for code in stored]
    return ticket is not None and bool(national_code) and any(matches)


def track_request(request: HttpRequest, body: TrackIn) -> Status[Any] | JsonResponse:
    """Public (R-17): a request by tracking code and the national code of its applicant or
    representative. An unknown code, a wrong national code and a bad check digit give the same
    404; failed attempts are counted per client and per client and code, then refused for a
    while (429): tickets.ratelimit.TrackLimits, shared with /track/."""
    code = None
    if is_valid_tracking_code(body.tracking_code):
        code = normalize_tracking_code(body.tracking_code)
    limits = ratelimit.TrackLimits(client_ip(request))
    wait = limits.wait(code)
    if wait:
        return too_many_response(wait)
    ticket = detail_ticket(code) if code else None
    if ticket is None or not _proves(ticket, _national_code(body.national_code)):
        limits.fail(code)
        return error_status(
            404, gettext("No request matches this tracking code and national code.")
        )
    return Status(200, detail(ticket))
