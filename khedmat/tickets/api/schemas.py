"""What the requests API reads and answers: bodies, answers, the OpenAPI of the submission body,
and the error answer every endpoint gives (`{"detail": message}`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pydantic
from django.urls import reverse
from ninja import Field, Schema, Status

from khedmat.core.translated import translated_text
from khedmat.tickets.choices import IntakeChannel, PrincipalKind
from khedmat.tickets.choices import Status as TicketStatus
from khedmat.tickets.models import Ticket


class ErrorOut(Schema):
    detail: str


class InvalidOut(Schema):
    detail: str
    errors: dict[str, list[str]]


class PrincipalIn(Schema):
    """Whom the request is for, when not the caller (R-12, R-13)."""

    kind: str = Field(PrincipalKind.PERSON, description="person or legal")
    name: str
    national_code: str = Field(description="10-digit national code, or 11-digit national ID")
    mobile: str = Field(
        "",
        description="Kept for staff to call; not verified, so SMS go to the caller's own mobile.",
    )


class RepresentationIn(Schema):
    """In what capacity the caller files for the principal; the caller is the representative."""

    capacity: str = Field(description="attorney, guardian, company_representative or other")


class WalkInApplicantIn(Schema):
    """Staff only: who came to the desk; their account is found, or made, by mobile."""

    mobile: str
    national_code: str
    first_name: str
    last_name: str


class SubmissionIn(Schema):
    """A request: answers by field key and files described by {name, size, sha256}."""

    service_code: str
    answers: dict[str, Any] = Field(
        default_factory=dict,
        description="Answers by field key; a file field holds a list of {name, size, sha256}.",
    )
    documents: dict[str, Any] = Field(
        default_factory=dict,
        description='Required documents by "doc-<id>": lists of {name, size, sha256}.',
    )
    principal: PrincipalIn | None = None
    representation: RepresentationIn | None = None
    submission_key: str = Field("", description="Same as the Idempotency-Key header.")
    language: str | None = Field(None, description="Language of the SMS; default the request's.")
    channel: str = Field(IntakeChannel.API, description='"in_person" for a walk-in (staff).')
    applicant: WalkInApplicantIn | None = None


class SubmissionOut(Schema):
    tracking_code: str
    status: str
    status_label: str
    stage: str
    submitted_at: dt.datetime
    promised_at: dt.datetime | None
    receipt_url: str
    track_url: str


class ServiceRefOut(Schema):
    code: str
    title: str


def receipt_url(ticket: Ticket) -> str:
    return reverse("tickets:receipt", args=[ticket.tracking_code])


def status_label(ticket: Ticket) -> str:
    return str(TicketStatus(ticket.status).label)


# What every answer says of a request (RequestOut reads it from the row).
class RequestFields(Schema):
    tracking_code: str
    service: ServiceRefOut
    status: str
    status_label: str
    stage: str
    submitted_at: dt.datetime
    promised_at: dt.datetime | None
    receipt_url: str


# A Ticket, with its service and card version.
class RequestOut(RequestFields):
    @staticmethod
    def resolve_service(ticket: Ticket) -> dict[str, str]:
        return {
            "code": ticket.service.code,
            "title": translated_text(ticket.service_version, "title"),
        }

    @staticmethod
    def resolve_status_label(ticket: Ticket) -> str:
        return status_label(ticket)

    @staticmethod
    def resolve_receipt_url(ticket: Ticket) -> str:
        return receipt_url(ticket)


class HistoryOut(Schema):
    at: dt.datetime
    title: str
    status: str
    stage: str
    note: str


class RequestDetailOut(RequestFields):
    expected_at: dt.datetime | None
    pause_reason: str
    handler: str
    history: list[HistoryOut]


class TrackIn(Schema):
    tracking_code: str = ""
    national_code: str = Field("", description="The applicant's or representative's")


# --- OpenAPI of the submission body (read by hand: JSON, or multipart with a JSON part) ------


def _inline_schema(model: type[pydantic.BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its `$defs` inlined (the body is described by hand)."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                rest = {key: value for key, value in node.items() if key != "$ref"}
                return resolve({**definitions[ref.rsplit("/", 1)[-1]], **rest})
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return dict(resolve(schema))


SUBMISSION_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _inline_schema(SubmissionIn)},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["payload"],
                    "properties": {
                        "payload": {
                            "type": "string",
                            "contentMediaType": "application/json",
                            "description": "The request as in application/json.",
                        }
                    },
                    "additionalProperties": {
                        "type": "array",
                        "items": {"type": "string", "format": "binary"},
                        "description": "Files, each part named by its answer path or "
                        '"doc-<id>"; every file matches a description by SHA-256.',
                    },
                },
                "encoding": {"payload": {"contentType": "application/json"}},
            },
        },
    }
}


def error_status(status: int, message: object) -> Status[Any]:
    """The error answer: `{"detail": message}` with this status."""
    return Status(status, {"detail": str(message)})
