"""The operations bench_peer.py times, one class per side and scenario.

| scenario | django-helpdesk 2.6.1 | Khedmat |
|---|---|---|
| minimal | GET /bench/version (a JsonResponse view) | GET /api/v1/version |
| form | GET /tickets/submit/, POST it (anonymous, multipart) | GET /services/<code>/apply/, POST it (applicant session, multipart) |
| api | POST /api/tickets/ (staff session + CSRF, JSON) | POST /api/v1/requests/ (applicant session + CSRF, JSON) |
| track | GET /view/?ticket=&email=&key= (public ticket page) | POST /api/v1/requests/track (code + national code) |

Both sides file the same complaint text; a form operation (fetch + post) counts once.
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
from typing import Any

from bench_submission import SERVICE_CODE, Applicant, answers_for

from peer.load import Client, Failure, Operation

CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
SUBMISSION_KEY = re.compile(rb'name="apply-submission_key" value="([0-9a-f-]{36})"')
RECEIPT_CODE = re.compile(r"/(\d{10,12})/")
APPLY_PATH = f"/services/{SERVICE_CODE}/apply/"


def multipart(fields: list[tuple[str, str]], files: tuple[str, ...] = ()) -> tuple[bytes, str]:
    """A browser's multipart/form-data body; `files` are file inputs left empty."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields
    ]
    parts += [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename=""\r\n'
        "Content-Type: application/octet-stream\r\n\r\n\r\n"
        for name in files
    ]
    body = ("".join(parts) + f"--{boundary}--\r\n").encode()
    return body, f"multipart/form-data; boundary={boundary}"


def form_token(page: bytes, pattern: re.Pattern[bytes] = CSRF_INPUT) -> str:
    match = pattern.search(page)
    if match is None:
        raise Failure("no form token")
    return match.group(1).decode()


def csrf_cookies(session: str, token: str) -> dict[str, str]:
    return {"sessionid": session, "csrftoken": token}


def json_headers(token: str | None = None) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    return headers | ({"X-CSRFToken": token} if token else {})


# --- the ceiling ------------------------------------------------------------------------------


class Minimal(Operation):
    name = "minimal"

    def __init__(self, path: str) -> None:
        self.path = path

    def perform(self, conn: Client, client: int, number: int) -> Any:
        conn.request("GET", self.path).expect(200)


# --- django-helpdesk --------------------------------------------------------------------------


class PeerForm(Operation):
    """The public ticket form, as an anonymous visitor fills it in."""

    name = "form"

    def __init__(self, queue: int) -> None:
        self.queue = queue

    def perform(self, conn: Client, client: int, number: int) -> Any:
        page = conn.request("GET", "/tickets/submit/").expect(200).body
        answers = answers_for(Applicant("", "", "0000000000", "09120000000"))
        body, kind = multipart(
            [
                ("csrfmiddlewaretoken", form_token(page)),
                ("queue", str(self.queue)),
                ("title", answers["shop_name"]),
                ("body", answers["complaint"]),
                ("priority", "3"),
                ("due_date", ""),
                ("submitter_email", f"applicant{client}.{number}@example.com"),
            ],
            ("attachment",),
        )
        answer = conn.request("POST", "/tickets/submit/", body, {"Content-Type": kind})
        location = answer.expect(302).headers.get("Location", "")
        if not location.startswith("/view/?ticket="):
            raise Failure("redirected elsewhere")
        return location


class PeerApi(Operation):
    """POST /api/tickets/ as a staff API user (session and CSRF token, as DRF asks)."""

    name = "api"

    def __init__(self, queue: int, sessions: list[str]) -> None:
        self.queue, self.sessions = queue, sessions
        self.token = secrets.token_hex(16)

    def cookies(self, client: int) -> dict[str, str]:
        return csrf_cookies(self.sessions[client % len(self.sessions)], self.token)

    def perform(self, conn: Client, client: int, number: int) -> Any:
        answers = answers_for(Applicant("", "", "0000000000", "09120000000"))
        payload = {
            "queue": self.queue,
            "title": answers["shop_name"],
            "description": answers["complaint"],
            "submitter_email": f"api{client}.{number}@example.com",
            "priority": 3,
        }
        body = json.dumps(payload).encode()
        conn.request("POST", "/api/tickets/", body, json_headers(self.token)).expect(201)


class PeerTrack(Operation):
    """The public ticket page of a ticket filed through the form (ticket, e-mail, key)."""

    name = "track"

    def __init__(self, locations: list[str]) -> None:
        self.locations = locations

    def perform(self, conn: Client, client: int, number: int) -> Any:
        location = self.locations[(client + number * 7) % len(self.locations)]
        page = conn.request("GET", location).expect(200).body
        if b"Invalid ticket ID" in page or b"Missing ticket ID" in page:
            raise Failure("not found")


# --- Khedmat ----------------------------------------------------------------------------------


class OursForm(Operation):
    """The application page of the consumer-complaint card, as a signed-in applicant posts it."""

    name = "form"

    def __init__(self, applicants: list[Applicant]) -> None:
        self.applicants = applicants

    def perform(self, conn: Client, client: int, number: int) -> Any:
        applicant = self.applicants[(client + number * 7) % len(self.applicants)]
        conn.cookies["sessionid"] = applicant.session_key
        page = conn.request("GET", APPLY_PATH).expect(200).body
        answers = answers_for(applicant)
        province, city = answers["place"]
        body, kind = multipart(
            [
                ("csrfmiddlewaretoken", form_token(page)),
                ("apply-submission_key", form_token(page, SUBMISSION_KEY)),
                ("national_code", answers["national_code"]),
                ("mobile", answers["mobile"]),
                ("shop_name", answers["shop_name"]),
                ("place_0", province),
                ("place_1", f"{province}/{city}"),
                ("purchase_date", ""),
                ("amount", str(answers["amount"])),
                ("complaint", answers["complaint"]),
                ("rep-principal_kind", "person"),
                ("rep-principal_name", ""),
                ("rep-principal_code", ""),
                ("rep-principal_mobile", ""),
                ("rep-capacity", ""),
            ],
            ("invoice",),
        )
        answer = conn.request("POST", APPLY_PATH, body, {"Content-Type": kind})
        if answer.status == 200:
            raise Failure("form refused")
        match = RECEIPT_CODE.search(answer.expect(303).headers.get("Location", ""))
        if match is None:
            raise Failure("redirected elsewhere")
        return (match.group(1), applicant.national_code)


class OursApi(Operation):
    """POST /api/v1/requests/ as bench_submission.py sends it (fresh Idempotency-Key)."""

    name = "api"

    def __init__(self, applicants: list[Applicant]) -> None:
        self.applicants = applicants

    def perform(self, conn: Client, client: int, number: int) -> Any:
        applicant = self.applicants[(client + number * 7) % len(self.applicants)]
        conn.cookies.update(csrf_cookies(applicant.session_key, applicant.csrf_token))
        body = json.dumps({"service_code": SERVICE_CODE, "answers": answers_for(applicant)})
        headers = json_headers(applicant.csrf_token)
        headers["Idempotency-Key"] = f"bench-{client}-{number}-{uuid.uuid4().hex[:12]}"
        answer = conn.request("POST", "/api/v1/requests/", body.encode(), headers).expect(201)
        return (json.loads(answer.body)["tracking_code"], applicant.national_code)


class OursTrack(Operation):
    """POST /api/v1/requests/track with the code and national code of a filed request."""

    name = "track"

    def __init__(self, codes: list[tuple[str, str]]) -> None:
        self.codes = codes

    def perform(self, conn: Client, client: int, number: int) -> Any:
        code, national = self.codes[(client + number * 7) % len(self.codes)]
        body = json.dumps({"tracking_code": code, "national_code": national}).encode()
        conn.request("POST", "/api/v1/requests/track", body, json_headers()).expect(200)
