"""`POST /track`: public (R-17), a request by its tracking code and a national code, with
failures rate-limited like the /track/ page."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import get_language, gettext, ngettext
from ninja import Status
from ninja.responses import NinjaJSONEncoder

from khedmat.core.digits import fold_digits
from khedmat.core.http import client_ip
from khedmat.core.memo import LocalMemo
from khedmat.core.tracking import is_valid_tracking_code, normalize_tracking_code
from khedmat.tickets import ratelimit
from khedmat.tickets.api.requests import detail, detail_ticket
from khedmat.tickets.api.schemas import RequestDetailOut, TrackIn, error_status
from khedmat.tickets.queries import TrackedRequest, tracked_request


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


def _proves(found: TrackedRequest | None, national_code: str) -> bool:
    """The rule of queries.follow_up_ticket on the row already read (one query, not two): the
    principal's or the representative's code, compared in constant time; "" never matches."""
    stored = found.national_codes if found is not None else ("", "")
    given = national_code.encode()
    matches = [hmac.compare_digest(given, code.encode()) and bool(code) for code in stored]
    return found is not None and bool(national_code) and any(matches)


#: Tracking answers by request, revision and language, per process (core.memo): the key holds
#: the revision read on every look-up, so a process never answers from an older one.
ANSWERS: LocalMemo[bytes] = LocalMemo(size=5000, seconds=settings.KHEDMAT_TRACK_CACHE_SECONDS)


def shares_answers() -> bool:
    """Whether answers are kept in the shared cache too, so one process's answer serves every
    other: only with Redis (a set in the database cache costs three statements and a count)."""
    return "redis" in str(settings.CACHES["default"]["BACKEND"]).lower()


def _answer(code: str, found: TrackedRequest) -> HttpResponse:
    """The request's detail as JSON, kept per request revision and language: in this process
    (ANSWERS), and with Redis in the shared cache. A look-up of a request that did not change
    since it was last answered reads nothing more."""
    key = f"{code}:{found.pk}:{get_language()}:{found.revision}"
    seconds = settings.KHEDMAT_TRACK_CACHE_SECONDS
    shared = seconds > 0 and shares_answers()
    shared_key = (
        "track:" + hashlib.blake2b(key.encode(), digest_size=16).hexdigest() if shared else ""
    )
    body = ANSWERS.get(key) if seconds > 0 else None
    if body is None and shared:
        body = cache.get(shared_key)
        if body is not None:
            ANSWERS.set(key, body)
    if body is None:
        ticket = detail_ticket(code)
        if ticket is None:  # removed between the two reads
            raise Http404
        shown = RequestDetailOut.model_validate(detail(ticket)).model_dump()
        body = json.dumps(shown, cls=NinjaJSONEncoder).encode()
        if seconds > 0:
            ANSWERS.set(key, body)
        if shared:
            cache.set(shared_key, body, seconds)
    return HttpResponse(body, content_type="application/json")


def track_request(request: HttpRequest, body: TrackIn) -> Status[Any] | JsonResponse | HttpResponse:
    """Public (R-17): a request by tracking code and the national code of its applicant or
    representative. An unknown code, a wrong national code and a bad check digit give the same
    404; failed attempts are counted per client and per client and code, then refused for a
    while (429): tickets.ratelimit.TrackLimits, shared with /track/."""
    code = None
    if is_valid_tracking_code(body.tracking_code):
        code = normalize_tracking_code(body.tracking_code)
    limits = ratelimit.TrackLimits(client_ip(request))
    # the request and this client's failure counters in one query; without a request, the
    # counters alone (a look-up that fails anyway)
    found = tracked_request(code, limits.names(code)) if code else None
    wait = limits.wait_in(found.windows, code) if found is not None else limits.wait(code)
    if wait:
        return too_many_response(wait)
    if code is None or found is None or not _proves(found, _national_code(body.national_code)):
        limits.fail(code)
        return error_status(
            404, gettext("No request matches this tracking code and national code.")
        )
    return _answer(code, found)
