"""Requests under /api/v1/requests/: file one (JSON or multipart), follow yours, track any (R-14-R-17).

- `POST /`: a signed-in applicant files a request (session and CSRF); `Idempotency-Key` files it
  once. Staff holding `tickets.add_ticket` file for a walk-in: `channel: "in_person"` and `applicant`.
- `GET /`: the caller's requests, newest first, `limit` at a time; pass `next` as `after`.
- `GET /{code}`: one request the caller follows: status, stage, dates, handler, public history.
- `POST /track`: public, the same with the tracking code and a national code; failures are
  rate-limited like the /track/ page.

Errors are JSON `{"detail": message}` in the request's language; answers that do not fit the
form give 422 `{"detail": ..., "errors": {path: [messages]}}` with the paths of the web form.

One module per resource (`submission`, `requests`, `track`; the bodies and answers in `schemas`);
this one is the routing table: the operations in the order Django tries their paths.
"""

from __future__ import annotations

from ninja import Router

from khedmat.tickets.api.requests import get_request, list_requests
from khedmat.tickets.api.schemas import (
    SUBMISSION_OPENAPI,
    ErrorOut,
    InvalidOut,
    RequestDetailOut,
    RequestOut,
    SubmissionOut,
)
from khedmat.tickets.api.submission import submit_request
from khedmat.tickets.api.track import track_request

__all__ = ["router"]

router = Router(tags=["requests"])

# The operation ids stay those of the single module this package replaced.
router.post(
    "/",
    response={
        200: SubmissionOut,
        201: SubmissionOut,
        403: ErrorOut,
        404: ErrorOut,
        422: InvalidOut,
        429: ErrorOut,
    },
    summary="File a request",
    openapi_extra=SUBMISSION_OPENAPI,
    operation_id="khedmat_tickets_api_submit_request",
)(submit_request)
router.get(
    "/",
    response={200: list[RequestOut], 400: ErrorOut},
    summary="My requests",
    url_name="request_list",
    operation_id="khedmat_tickets_api_list_requests",
)(list_requests)
router.post(
    "/track",
    auth=None,
    response={200: RequestDetailOut, 404: ErrorOut, 429: ErrorOut},
    summary="Track a request with its code and national code",
    url_name="request_track",
    operation_id="khedmat_tickets_api_track_request",
)(track_request)
# After /track, which the path "{code}" would otherwise catch.
router.get(
    "/{code}",
    response={200: RequestDetailOut, 404: ErrorOut},
    summary="One of my requests",
    url_name="request_detail",
    operation_id="khedmat_tickets_api_get_request",
)(get_request)
