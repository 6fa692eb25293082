"""The schemas of the ITSM API: incidents, problems and known errors out, and what comes in.

The choice fields are Literals listing the same values as the models' choices (checked at import).
"""

import datetime as dt
from typing import Any, Literal, get_args

from ninja import Field, Schema

from khedmat.accounts.models import User
from khedmat.catalog.models import Service
from khedmat.core.translated import translated_text
from khedmat.itsm import queries
from khedmat.itsm.choices import (
    Audience,
    HoldReason,
    Impact,
    IncidentStatus,
    ProblemStatus,
    ResolutionCode,
    Urgency,
)
from khedmat.itsm.models import Incident, IncidentAttachment, KnownError, Problem
from khedmat.sla.choices import Priority

QueueName = Literal["mine", "team", "unassigned", "open", "major", "all"]
StatusName = Literal["new", "in_progress", "on_hold", "resolved", "closed"]
PriorityName = Literal["low", "normal", "high", "urgent"]
Level = Literal["high", "medium", "low"]
HoldReasonName = Literal["awaiting_caller", "awaiting_supplier", "awaiting_change"]
ResolutionName = Literal[
    "workaround", "permanent", "not_reproducible", "user_error", "duplicate", "with_parent"
]
AudienceName = Literal["staff", "public"]
ProblemStatusName = Literal["logged", "root_cause_known", "known_error", "resolved", "closed"]
# The schemas list the same choices as the models (a rename fails at import).
assert set(get_args(QueueName)) == set(queries.QUEUES)
assert set(get_args(StatusName)) == set(IncidentStatus.values)
assert set(get_args(PriorityName)) == set(Priority.values)
assert set(get_args(Level)) == set(Impact.values) == set(Urgency.values)
assert set(get_args(HoldReasonName)) == set(HoldReason.values)
assert set(get_args(ResolutionName)) == set(ResolutionCode.values)
assert set(get_args(AudienceName)) == set(Audience.values)
assert set(get_args(ProblemStatusName)) == set(ProblemStatus.values)


# --- schemas: out ------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str


class InvalidOut(Schema):
    """Input that does not fit: `errors` by field, django-ninja's list for a shapeless body, or
    none when a use case refused the input as a whole."""

    detail: str
    errors: dict[str, list[str]] | list[dict[str, Any]] | None = None


class RefOut(Schema):
    code: str
    name: str


class ServiceRefOut(Schema):
    code: str
    title: str

    @staticmethod
    def resolve_title(service: Service) -> str:
        version = service.current_version
        return translated_text(version, "title") if version is not None else service.code


class PersonOut(Schema):
    id: int
    username: str
    full_name: str

    @staticmethod
    def resolve_full_name(user: User) -> str:
        return user.get_full_name()


def _code(record: Any, field: str = "tracking_code") -> str | None:
    return getattr(record, field) if record is not None else None


class IncidentOut(Schema):
    """An incident as staff read it."""

    tracking_code: str
    title: str
    description: str
    status: str
    status_label: str
    impact: str
    urgency: str
    priority: str
    priority_label: str
    channel: str
    category: str | None = Field(description="The category's code.")
    service: ServiceRefOut | None
    configuration_item: str
    ci: str | None = Field(description="The CMDB configuration item's code.")
    reporter_name: str
    reporter_mobile: str
    reporter_email: str
    org_unit: RefOut | None
    team: RefOut | None
    assignee: PersonOut | None
    hold_reason: str
    resolution_code: str
    resolution_note: str
    is_major: bool
    next_update_due: dt.datetime | None
    parent: str | None = Field(description="The parent incident's tracking code.")
    duplicate_of: str | None = Field(description="The tracking code it duplicates.")
    problem: str | None = Field(description="The linked problem's code.")
    known_error: str | None = Field(description="The applied known error's code.")
    reopen_count: int
    promised_at: dt.datetime | None
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_status_label(incident: Incident) -> str:
        return str(incident.get_status_display())

    @staticmethod
    def resolve_priority_label(incident: Incident) -> str:
        return str(incident.get_priority_display())

    @staticmethod
    def resolve_category(incident: Incident) -> str | None:
        return _code(incident.category, "code")

    @staticmethod
    def resolve_parent(incident: Incident) -> str | None:
        return _code(incident.parent)

    @staticmethod
    def resolve_duplicate_of(incident: Incident) -> str | None:
        return _code(incident.duplicate_of)

    @staticmethod
    def resolve_problem(incident: Incident) -> str | None:
        return _code(incident.problem)

    @staticmethod
    def resolve_known_error(incident: Incident) -> str | None:
        return _code(incident.known_error, "code")

    @staticmethod
    def resolve_ci(incident: Incident) -> str | None:
        return _code(incident.ci, "code")


class TimelineOut(Schema):
    at: dt.datetime
    label: str
    actor: str | None = Field(description="The username of who did it (none: the system).")
    text: str
    is_public: bool = Field(description="Whether the reporter sees it.")

    @staticmethod
    def resolve_actor(entry: queries.TimelineEntry) -> str | None:
        return entry.actor.username if entry.actor is not None else None


class AttachmentOut(Schema):
    name: str
    size: int
    content_type: str
    sha256: str
    uploaded_at: dt.datetime

    @staticmethod
    def resolve_name(attachment: IncidentAttachment) -> str:
        return attachment.original_name


class IncidentDetailOut(IncidentOut):
    """One incident with its children, files and whole timeline (internal notes included)."""

    children: list[str] = Field(description="The child incidents' tracking codes.")
    attachments: list[AttachmentOut]
    timeline: list[TimelineOut]

    @staticmethod
    def resolve_children(incident: Incident) -> list[str]:
        return list(incident.children.values_list("tracking_code", flat=True))

    @staticmethod
    def resolve_attachments(incident: Incident) -> list[IncidentAttachment]:
        return list(incident.attachments.all())

    @staticmethod
    def resolve_timeline(incident: Incident) -> list[queries.TimelineEntry]:
        return queries.timeline(incident)


class KnownErrorOut(Schema):
    code: str
    title: str
    symptom: str
    workaround: str
    fix: str
    problem: str | None = Field(description="The problem's code.")
    service: ServiceRefOut | None
    configuration_item: str
    ci: str | None = Field(description="The CMDB configuration item's code.")
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_problem(known: KnownError) -> str | None:
        return _code(known.problem)

    @staticmethod
    def resolve_ci(known: KnownError) -> str | None:
        return _code(known.ci, "code")


class ProblemOut(Schema):
    tracking_code: str
    title: str
    symptom: str
    root_cause: str
    workaround: str
    permanent_fix: str
    status: str
    status_label: str
    priority: str
    service: ServiceRefOut | None
    configuration_item: str
    ci: str | None = Field(description="The CMDB configuration item's code.")
    org_unit: RefOut | None
    team: RefOut | None
    assignee: PersonOut | None
    incident_count: int
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_ci(problem: Problem) -> str | None:
        return _code(problem.ci, "code")

    @staticmethod
    def resolve_status_label(problem: Problem) -> str:
        return str(problem.get_status_display())


class ProblemDetailOut(ProblemOut):
    incidents: list[str] = Field(description="The linked incidents' tracking codes.")
    known_errors: list[str] = Field(description="The codes of its known errors.")
    timeline: list[TimelineOut]

    @staticmethod
    def resolve_incidents(problem: Problem) -> list[str]:
        return list(problem.incidents.values_list("tracking_code", flat=True))

    @staticmethod
    def resolve_known_errors(problem: Problem) -> list[str]:
        return list(problem.known_errors.values_list("code", flat=True))

    @staticmethod
    def resolve_timeline(problem: Problem) -> list[queries.TimelineEntry]:
        return queries.timeline(problem)


# --- schemas: in -------------------------------------------------------------------------------


class IncidentFilters(Schema):
    queue: QueueName = Field(
        "all", description="mine, team, unassigned, open, major or all (the caller may see)"
    )
    status: StatusName | None = None
    priority: PriorityName | None = None


class IncidentIn(Schema):
    title: str = Field(..., min_length=1, max_length=300)
    description: str = Field("", max_length=10000)
    service_code: str | None = Field(None, description="The affected service's code.")
    category: str | None = Field(None, description="The category's code.")
    configuration_item: str = Field("", max_length=200)
    ci: str | None = Field(None, description="The code of the CMDB configuration item.")
    impact: Level = "low"
    urgency: Level = "low"
    reporter: int | str | None = Field(
        None, description="The reporter's account, by id or username (none: the caller)."
    )
    reporter_name: str = Field("", max_length=300)
    reporter_mobile: str = Field("", max_length=40)
    reporter_email: str = Field("", max_length=254)
    team: str | None = Field(None, description="The code of the team that takes it.")


class HoldIn(Schema):
    reason: HoldReasonName


class ResolveIn(Schema):
    code: ResolutionName
    note: str = Field(..., max_length=10000, description="What was done.")


class ReasonIn(Schema):
    reason: str = Field(..., max_length=2000)


class AssignIn(Schema):
    team: str | None = Field(None, description="The team's code (none: no team).")
    assignee: int | str | None = Field(
        None, description="A member of the team, by id or username (none: nobody)."
    )


class TextIn(Schema):
    text: str = Field(..., max_length=10000)


class UpdateIn(Schema):
    text: str = Field(..., max_length=4000)
    audience: AudienceName = Field(
        "staff", description="staff: the stakeholders; public: also the portal's status notice"
    )


class LinkChildIn(Schema):
    child: str = Field(..., description="The tracking code of the incident to make a child.")


class MergeIn(Schema):
    into: str = Field(..., description="The tracking code of the incident it duplicates.")


class ProblemFilters(Schema):
    status: ProblemStatusName | None = None


class ProblemIn(Schema):
    title: str = Field(..., min_length=1, max_length=300)
    symptom: str = Field("", max_length=10000)
    incidents: list[str] = Field(
        default_factory=list, description="Tracking codes of incidents it causes."
    )
    service_code: str | None = None
    team: str | None = Field(None, description="The code of the team that analyses it.")
    ci: str | None = Field(
        None, description="The code of the CMDB configuration item (default: the first incident's)."
    )


class RootCauseIn(Schema):
    root_cause: str = Field(..., max_length=10000)


class WorkaroundIn(Schema):
    workaround: str = Field(..., max_length=10000)
    title: str = Field(
        "", max_length=300, description="The known error's title (default: the problem's)."
    )


class FixIn(Schema):
    fix: str = Field(..., max_length=10000)


class KnownErrorFilters(Schema):
    q: str = Field("", max_length=200, description="Words the symptom, workaround or title hold.")
    active: bool = Field(True, description="Only those in use (the search: always).")


class KnownErrorIn(Schema):
    title: str = Field(..., min_length=1, max_length=300)
    symptom: str = Field(..., min_length=1, max_length=10000)
    workaround: str = Field(..., min_length=1, max_length=10000)
    problem: str | None = Field(None, description="The code of its problem.")
    service_code: str | None = None
    configuration_item: str = Field("", max_length=200)
    ci: str | None = Field(None, description="The code of the CMDB configuration item.")
