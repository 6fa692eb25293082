"""Use cases of incidents: report, assign, work, hold, resolve, close, reopen, notes and replies.

One function per transition; each locks the row, refuses illegal moves (the table in choices.py),
moves the SLA clocks and writes the Activity row in one transaction, and tells the reporter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import OrgUnit, Team, User
from khedmat.calendars.queries import calendar_for_unit
from khedmat.calendars.worktime import add_working_days
from khedmat.catalog.formbuilder.definition import FILE_SIGNATURES
from khedmat.catalog.formbuilder.uploads import extension_of, sniff_matches
from khedmat.catalog.models import Service
from khedmat.cmdb.models import ConfigurationItem
from khedmat.core.actors import Actor
from khedmat.core.services import record_activity, record_file_opened
from khedmat.itsm.choices import (
    HOLD_PAUSE_REASONS,
    HoldReason,
    IncidentChannel,
    IncidentStatus,
    ResolutionCode,
)
from khedmat.itsm.errors import (
    AssigneeNotInTeamError,
    HoldReasonMissingError,
    IncidentHeldError,
    IncidentNotOpenError,
    ItsmError,
    NotHolderError,
    NotReporterError,
    ReopenWindowClosedError,
    ResolutionMissingError,
    TextMissingError,
    TransitionError,
)
from khedmat.itsm.indexing import index_incident
from khedmat.itsm.models import Incident, IncidentAttachment, IncidentCategory, PublicNotice
from khedmat.itsm.services.common import (
    actor_user,
    after_commit,
    move,
    new_code,
    priority_for,
    tell_reporter,
)
from khedmat.sla.choices import SUBMISSION_TARGET_KINDS, TargetKind
from khedmat.sla.queries import PolicyContext
from khedmat.sla.services import (
    pause_record_clocks,
    resume_record_clocks,
    start_clocks,
    stop_record_clocks,
)

RECORD_KIND = "incident"
S = IncidentStatus


@dataclass(frozen=True)
class IncidentReport:
    """What a reporter says: the failure, where, how bad, and how to reach them."""

    title: str
    description: str = ""
    reporter_name: str = ""
    reporter: User | None = None
    reporter_mobile: str = ""
    reporter_email: str = ""
    service: Service | None = None
    category: IncidentCategory | None = None
    configuration_item: str = ""
    ci: ConfigurationItem | None = None
    impact: str = "low"
    urgency: str = "low"
    channel: str = IncidentChannel.DESK
    language: str = "fa"
    team: Team | None = None
    org_unit: OrgUnit | None = None
    extra: dict[str, str] = field(default_factory=dict)


def locked_incident(incident: Incident) -> Incident:
    """The incident row again, locked for the rest of the transaction."""
    return Incident.objects.select_for_update().get(pk=incident.pk)


def _unit_of(report: IncidentReport) -> OrgUnit | None:
    """The responsible unit: the team's, else the one given, else the service card's."""
    if report.team is not None:
        return report.team.org_unit
    if report.org_unit is not None:
        return report.org_unit
    version = report.service.current_version if report.service is not None else None
    if version is not None:
        return version.responsible_unit or version.agency
    return None


def report_incident(
    report: IncidentReport, *, actor: Actor, now: dt.datetime | None = None
) -> Incident:
    """Log an incident: code, priority from the matrix, SLA clocks, Activity, the reporter told."""
    now = now or timezone.now()
    reporter = report.reporter
    with transaction.atomic():
        incident = Incident.objects.create(
            tracking_code=new_code(Incident),
            title=report.title.strip(),
            description=report.description.strip(),
            category=report.category,
            service=report.service,
            configuration_item=report.configuration_item.strip(),
            ci=report.ci,
            impact=report.impact,
            urgency=report.urgency,
            priority=priority_for(report.impact, report.urgency),
            channel=report.channel,
            reporter=reporter,
            reporter_name=report.reporter_name or (reporter.get_full_name() if reporter else ""),
            reporter_mobile=report.reporter_mobile or (reporter.mobile or "" if reporter else ""),
            reporter_email=report.reporter_email or (reporter.email if reporter else ""),
            reported_by=actor_user(actor),
            language=report.language,
            org_unit=_unit_of(report),
            team=report.team,
            created_at=now,
            status_changed_at=now,
        )
        record_activity(
            incident,
            "incident.reported",
            actor=actor_user(actor),
            new=S.NEW,
            data={"channel": report.channel, "priority": incident.priority},
            public=True,
        )
        _start_promise(incident, now=now, actor=actor)
        tell_reporter(incident, "incident_reported", key="reported")
        after_commit(lambda: index_incident(incident))
    return incident


def _start_promise(
    incident: Incident,
    *,
    now: dt.datetime,
    actor: Actor,
    kinds: Iterable[str] = SUBMISSION_TARGET_KINDS,
) -> None:
    """Start the clocks (`kinds`) of the matching SLA policy (record kind incident)."""
    if incident.org_unit_id is None:
        return
    context = PolicyContext.for_requester(
        incident.reporter,
        service_key=incident.service.code if incident.service is not None else "",
        record_kind=RECORD_KIND,
        priority=incident.priority,
    )
    clocks = start_clocks(
        incident,
        policy_context=context,
        org_unit=incident.org_unit_id,
        team=incident.team,
        started_at=now,
        actor=actor_user(actor),
        kinds=kinds,
    )
    promised = next((c.promised_at for c in clocks if c.kind == TargetKind.RESOLUTION), None)
    if promised is not None:
        incident.promised_at = promised
        incident.save(update_fields=["promised_at"])


def _first_response(incident: Incident, *, actor: Actor, now: dt.datetime) -> None:
    stop_record_clocks(incident, actor=actor_user(actor), at=now, kinds=[TargetKind.FIRST_RESPONSE])


def assign_incident(
    incident: Incident,
    *,
    team: Team | None,
    assignee: User | None,
    actor: Actor,
    now: dt.datetime | None = None,
) -> Incident:
    """Give the incident to a team and, optionally, one of its members (refer or assign)."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = locked_incident(incident)
        if (
            team is not None
            and assignee is not None
            and not team.members.filter(pk=assignee.pk).exists()
        ):
            raise AssigneeNotInTeamError()
        old = {"team": incident.team_id, "assignee": incident.assignee_id}
        new = {"team": team.pk if team else None, "assignee": assignee.pk if assignee else None}
        if old == new:
            return incident
        incident.team = team
        incident.assignee = assignee
        if team is not None:
            incident.org_unit_id = team.org_unit_id
        incident.save(update_fields=["team", "assignee", "org_unit"])
        record_activity(incident, "incident.assigned", actor=actor_user(actor), old=old, new=new)
    return incident


def claim_incident(
    incident: Incident,
    *,
    actor: User,
    now: dt.datetime | None = None,
    take_over: bool = True,
) -> Incident:
    """The agent takes the open incident (their team's or unassigned) and starts on it; from a
    colleague too unless `take_over` is false (the inbox's claim of several at once)."""
    with transaction.atomic():
        incident = locked_incident(incident)
        if not incident.is_open:
            raise IncidentNotOpenError()
        if not take_over and incident.assignee_id not in (None, actor.pk):
            raise IncidentHeldError()
        incident = assign_incident(
            incident, team=incident.team, assignee=actor, actor=actor, now=now
        )
        if incident.status == S.NEW:
            incident = start_incident(incident, actor=actor, now=now)
    return incident


def release_incident(incident: Incident, *, actor: User) -> Incident:
    """The holder gives the open incident back to its team's queue (it stays in its status)."""
    with transaction.atomic():
        incident = locked_incident(incident)
        if not incident.is_open:
            raise IncidentNotOpenError()
        if incident.assignee_id != actor.pk:
            raise NotHolderError()
        return assign_incident(incident, team=incident.team, assignee=None, actor=actor)


def start_incident(incident: Incident, *, actor: Actor, now: dt.datetime | None = None) -> Incident:
    """new → in progress: someone works on it (the first response clock stops)."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = locked_incident(incident)
        move(incident, S.IN_PROGRESS, actor=actor, verb="incident.started", now=now, public=True)
        incident.save(update_fields=["status", "status_changed_at"])
        _first_response(incident, actor=actor, now=now)
        tell_reporter(incident, "incident_status_changed", key=f"started:{now.timestamp()}")
    return incident


def hold_incident(
    incident: Incident, *, reason: str, actor: Actor, now: dt.datetime | None = None
) -> Incident:
    """→ on hold, with a reason: the clocks pause until work resumes."""
    if reason not in HoldReason.values:
        raise HoldReasonMissingError()
    now = now or timezone.now()
    with transaction.atomic():
        incident = locked_incident(incident)
        move(
            incident,
            S.ON_HOLD,
            actor=actor,
            verb="incident.held",
            now=now,
            data={"reason": reason},
            public=True,
        )
        incident.hold_reason = reason
        incident.save(update_fields=["status", "status_changed_at", "hold_reason"])
        _first_response(incident, actor=actor, now=now)
        pause_record_clocks(
            incident, reason=HOLD_PAUSE_REASONS[reason], actor=actor_user(actor), at=now
        )
        tell_reporter(incident, "incident_status_changed", key=f"held:{now.timestamp()}")
    return incident


def resume_incident(
    incident: Incident, *, actor: Actor, now: dt.datetime | None = None
) -> Incident:
    """on hold → in progress: the clocks run again."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = locked_incident(incident)
        if incident.status != S.ON_HOLD:
            raise TransitionError()
        move(incident, S.IN_PROGRESS, actor=actor, verb="incident.resumed", now=now, public=True)
        incident.hold_reason = ""
        incident.save(update_fields=["status", "status_changed_at", "hold_reason"])
        resume_record_clocks(incident, actor=actor_user(actor), at=now)
    return incident


def resolve_incident(
    incident: Incident,
    *,
    code: str,
    note: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> Incident:
    """→ resolved with a resolution code and note; the clocks stop; children resolve with it."""
    if code not in ResolutionCode.values or not note.strip():
        raise ResolutionMissingError()
    now = now or timezone.now()
    with transaction.atomic():
        incident = _resolve_one(incident, code=code, note=note.strip(), actor=actor, now=now)
        for child in incident.children.filter(status__in=[S.NEW, S.IN_PROGRESS, S.ON_HOLD]):
            _resolve_one(
                child,
                code=ResolutionCode.RESOLVED_WITH_PARENT,
                note=note.strip(),
                actor=actor,
                now=now,
            )
        _end_notice(incident, now=now)
    return incident


def _resolve_one(
    incident: Incident, *, code: str, note: str, actor: Actor, now: dt.datetime
) -> Incident:
    incident = locked_incident(incident)
    move(
        incident,
        S.RESOLVED,
        actor=actor,
        verb="incident.resolved",
        now=now,
        data={"code": code, "note": note},
        public=True,
    )
    incident.resolution_code, incident.resolution_note = code, note
    incident.hold_reason, incident.resolved_at = "", now
    incident.save(
        update_fields=[
            "status",
            "status_changed_at",
            "resolution_code",
            "resolution_note",
            "hold_reason",
            "resolved_at",
        ]
    )
    stop_record_clocks(incident, actor=actor_user(actor), at=now)
    tell_reporter(incident, "incident_resolved", key=f"resolved:{now.timestamp()}", note=note)
    return incident


def _end_notice(incident: Incident, *, now: dt.datetime) -> None:
    PublicNotice.objects.filter(incident=incident, ended_at__isnull=True).update(ended_at=now)


def close_incident(incident: Incident, *, actor: Actor, now: dt.datetime | None = None) -> Incident:
    """resolved → closed (or a new one closed at once); children close with their parent."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = _close_one(incident, actor=actor, now=now)
        for child in incident.children.filter(status=S.RESOLVED):
            _close_one(child, actor=actor, now=now)
    return incident


def _close_one(incident: Incident, *, actor: Actor, now: dt.datetime) -> Incident:
    incident = locked_incident(incident)
    move(incident, S.CLOSED, actor=actor, verb="incident.closed", now=now, public=True)
    incident.closed_at = now
    incident.save(update_fields=["status", "status_changed_at", "closed_at"])
    stop_record_clocks(incident, actor=actor_user(actor), at=now)
    tell_reporter(incident, "incident_closed", key="closed")
    return incident


def reopen_deadline(incident: Incident) -> dt.datetime | None:
    """Until when the reporter may reopen: KHEDMAT_INCIDENT_CLOSE_DAYS working days after resolving."""
    if incident.resolved_at is None:
        return None
    calendar = calendar_for_unit(incident.org_unit)
    return add_working_days(calendar, incident.resolved_at, settings.KHEDMAT_INCIDENT_CLOSE_DAYS)


def reopen_incident(
    incident: Incident, *, reason: str, actor: User, now: dt.datetime | None = None
) -> Incident:
    """resolved → in progress by the reporter (or staff) within the window; a resolution clock
    starts again."""
    now = now or timezone.now()
    if not reason.strip():
        raise TextMissingError()
    with transaction.atomic():
        incident = locked_incident(incident)
        if not actor.is_staff and incident.reporter_id != actor.pk:
            raise NotReporterError()
        deadline = reopen_deadline(incident)
        if incident.status == S.RESOLVED and deadline is not None and now > deadline:
            raise ReopenWindowClosedError()
        move(
            incident,
            S.IN_PROGRESS,
            actor=actor,
            verb="incident.reopened",
            now=now,
            data={"reason": reason.strip()},
            public=True,
        )
        incident.reopen_count += 1
        incident.resolution_code, incident.resolution_note, incident.resolved_at = "", "", None
        incident.save()
        _start_promise(incident, now=now, actor=actor, kinds=[TargetKind.RESOLUTION])
    return incident


def close_resolved_incidents(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Close the resolved incidents whose reopen window has passed (the periodic sweep)."""
    now = now or timezone.now()
    closed = 0
    oldest_first = Incident.objects.filter(status=S.RESOLVED).order_by("resolved_at", "id")
    for incident in oldest_first.select_related("org_unit")[:batch]:
        deadline = reopen_deadline(incident)
        if deadline is not None and deadline <= now:
            close_incident(incident, actor=None, now=now)
            closed += 1
    return closed


def change_incident_priority(
    incident: Incident,
    *,
    impact: str,
    urgency: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> Incident:
    """New impact and urgency; the matrix gives the priority (Activity keeps the old values)."""
    with transaction.atomic():
        incident = locked_incident(incident)
        old = {
            "impact": incident.impact,
            "urgency": incident.urgency,
            "priority": incident.priority,
        }
        incident.impact, incident.urgency = impact, urgency
        incident.priority = priority_for(impact, urgency)
        new = {"impact": impact, "urgency": urgency, "priority": incident.priority}
        if old == new:
            return incident
        incident.save(update_fields=["impact", "urgency", "priority"])
        record_activity(
            incident, "incident.reprioritised", actor=actor_user(actor), old=old, new=new
        )
    return incident


def set_incident_ci(incident: Incident, *, ci: ConfigurationItem | None, actor: User) -> Incident:
    """Say which CMDB item the incident is on (or none); its problems and changes follow it."""
    with transaction.atomic():
        incident = locked_incident(incident)
        if incident.ci_id == (ci.pk if ci else None):
            return incident
        old = incident.ci.code if incident.ci else None
        incident.ci = ci
        incident.save(update_fields=["ci"])
        record_activity(
            incident, "incident.ci_set", actor=actor, old=old, new=ci.code if ci else None
        )
        after_commit(lambda: index_incident(incident))
    return incident


def add_incident_note(incident: Incident, *, text: str, actor: User) -> Incident:
    """An internal note: staff read it, the reporter does not."""
    if not text.strip():
        raise TextMissingError()
    with transaction.atomic():
        record_activity(incident, "incident.note", actor=actor, data={"text": text.strip()})
    return incident


def reply_to_reporter(
    incident: Incident, *, text: str, actor: User, now: dt.datetime | None = None
) -> Incident:
    """A public reply: shown to the reporter and sent to them; counts as the first response."""
    if not text.strip():
        raise TextMissingError()
    now = now or timezone.now()
    with transaction.atomic():
        record_activity(
            incident, "incident.reply", actor=actor, data={"text": text.strip()}, public=True
        )
        _first_response(incident, actor=actor, now=now)
        tell_reporter(incident, "incident_reply", key=f"reply:{now.timestamp()}", reply=text)
    return incident


#: The files a reporter may attach (a screenshot or a PDF), proved by their first bytes.
ATTACHMENT_TYPES = ("png", "jpg", "jpeg", "webp", "pdf")
ATTACHMENT_MAX_KB = 5120


def attach_incident_file(
    incident: Incident, *, upload: File[bytes], actor: Actor
) -> IncidentAttachment:
    """Keep a file of the incident under a random name with its SHA-256; a file whose first
    bytes are not an image or a PDF of its extension, or too large, is refused."""
    name = _attachment_name(upload.name or "file")
    extension = extension_of(name)
    head = upload.read(16)
    upload.seek(0)
    size = upload.size or 0
    if extension not in ATTACHMENT_TYPES or not sniff_matches(head, extension):
        raise ItsmError(_("Attach a picture (PNG, JPEG, WebP) or a PDF file."))
    if size > ATTACHMENT_MAX_KB * 1024:
        raise ItsmError(_("The file is too large."))
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        attachment = IncidentAttachment(
            incident=incident,
            original_name=name,
            size=size,
            content_type=FILE_SIGNATURES[extension][0],
            sha256=digest.hexdigest(),
            uploaded_by=actor_user(actor),
        )
        attachment.file.save(name, upload, save=False)
        try:
            attachment.save()
            record_activity(
                incident,
                "incident.file_attached",
                actor=actor_user(actor),
                data={"name": name, "size": size, "sha256": attachment.sha256},
            )
        except Exception:
            attachment.file.delete(save=False)
            raise
    return attachment


def _attachment_name(name: str) -> str:
    """The file's own name without a folder part or control characters, at most 200 chars."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(char for char in base if char.isprintable()).strip(" .")
    return (cleaned or "file")[-200:]


def record_incident_file_opened(
    incident: Incident, attachment: IncidentAttachment, *, actor: Actor, inline: bool
) -> None:
    """Who opened which file of an incident, and when (an audit row on its timeline)."""
    record_file_opened(incident, "incident.file_opened", attachment, actor=actor, inline=inline)
