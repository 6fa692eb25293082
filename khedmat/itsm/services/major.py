"""Major incidents: the flag, parent and child incidents, duplicates, stakeholders and updates."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from khedmat.accounts.models import User
from khedmat.core.actors import Actor
from khedmat.core.services import record_activity
from khedmat.itsm.choices import Audience, IncidentStatus, ResolutionCode
from khedmat.itsm.errors import (
    LinkError,
    MajorIncidentRoleError,
    NotMajorError,
    TextMissingError,
)
from khedmat.itsm.models import (
    Incident,
    MajorIncidentSubscription,
    MajorIncidentUpdate,
    PublicNotice,
)
from khedmat.itsm.services.common import actor_user, tell_reporter, tell_staff
from khedmat.itsm.services.incidents import close_incident, locked_incident, resolve_incident

MAJOR_PERMISSION = "itsm.declare_major_incident"


def _check_role(actor: User) -> None:
    if not actor.has_perm(MAJOR_PERMISSION):
        raise MajorIncidentRoleError()


def _next_update(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(minutes=settings.KHEDMAT_MAJOR_UPDATE_MINUTES)


def declare_major_incident(
    incident: Incident, *, actor: User, now: dt.datetime | None = None
) -> Incident:
    """Raise the incident to major (an incident manager only); its handler is subscribed."""
    _check_role(actor)
    now = now or timezone.now()
    with transaction.atomic():
        incident = locked_incident(incident)
        if incident.is_major or not incident.is_open:
            raise LinkError()
        incident.is_major, incident.major_declared_at = True, now
        incident.next_update_due = _next_update(now)
        incident.save(update_fields=["is_major", "major_declared_at", "next_update_due"])
        record_activity(incident, "incident.declared_major", actor=actor, public=True)
        for user in {actor, incident.assignee} - {None}:
            MajorIncidentSubscription.objects.get_or_create(incident=incident, user=user)
    return incident


def end_major_incident(incident: Incident, *, actor: User) -> Incident:
    """Take the major flag off (an incident manager only); the portal notice ends."""
    _check_role(actor)
    with transaction.atomic():
        incident = locked_incident(incident)
        if not incident.is_major:
            raise NotMajorError()
        incident.is_major, incident.next_update_due = False, None
        incident.save(update_fields=["is_major", "next_update_due"])
        PublicNotice.objects.filter(incident=incident, ended_at__isnull=True).update(
            ended_at=timezone.now()
        )
        record_activity(incident, "incident.major_ended", actor=actor)
    return incident


def subscribe_stakeholder(incident: Incident, *, user: User, actor: User) -> bool:
    """Add a staff member to the major incident's updates; False if already there."""
    if not user.is_staff:
        raise LinkError()
    with transaction.atomic():
        _, created = MajorIncidentSubscription.objects.get_or_create(incident=incident, user=user)
        if created:
            record_activity(
                incident, "incident.stakeholder_added", actor=actor, data={"user": user.pk}
            )
    return created


def post_major_update(
    incident: Incident,
    *,
    text: str,
    audience: str,
    actor: User,
    now: dt.datetime | None = None,
) -> MajorIncidentUpdate:
    """Send an update to the stakeholders and, for a public one, set the portal notice."""
    if not text.strip():
        raise TextMissingError()
    if audience not in Audience.values:
        raise LinkError()
    now = now or timezone.now()
    with transaction.atomic():
        incident = locked_incident(incident)
        if not incident.is_major:
            raise NotMajorError()
        update = MajorIncidentUpdate.objects.create(
            incident=incident, text=text.strip(), audience=audience, author=actor, created_at=now
        )
        users = [s.user for s in incident.subscriptions.select_related("user")]
        update.recipients = tell_staff(
            incident, "major_incident_update", users, key=f"update:{update.pk}", update=update.text
        )
        update.save(update_fields=["recipients"])
        if audience == Audience.PUBLIC:
            _publish_notice(incident, update.text, now=now)
        incident.next_update_due = _next_update(now)
        incident.save(update_fields=["next_update_due"])
        record_activity(
            incident,
            "incident.update_posted",
            actor=actor,
            data={"text": update.text, "audience": audience, "recipients": update.recipients},
        )
    return update


def _publish_notice(incident: Incident, text: str, *, now: dt.datetime) -> PublicNotice:
    notice, created = PublicNotice.objects.get_or_create(
        incident=incident,
        defaults={"text": text, "language": incident.language, "published_at": now},
    )
    if not created:
        notice.text, notice.updated_at, notice.ended_at = text, now, None
        notice.save(update_fields=["text", "updated_at", "ended_at"])
    return notice


def link_child_incident(child: Incident, *, parent: Incident, actor: Actor) -> Incident:
    """Make `child` (another report of the same outage) a child of `parent`: it resolves and
    closes with the parent."""
    with transaction.atomic():
        child, parent = locked_incident(child), locked_incident(parent)
        if child.pk == parent.pk or parent.parent_id is not None or child.children.exists():
            raise LinkError()
        if not (child.is_open and parent.is_open):
            raise LinkError()
        old = child.parent_id
        child.parent = parent
        child.save(update_fields=["parent"])
        user = actor_user(actor)
        record_activity(child, "incident.linked_to_parent", actor=user, old=old, new=parent.pk)
        record_activity(parent, "incident.child_linked", actor=user, data={"child": child.pk})
    return child


def unlink_child_incident(child: Incident, *, actor: Actor) -> Incident:
    """Take `child` out of its parent."""
    with transaction.atomic():
        child = locked_incident(child)
        if child.parent_id is None:
            raise LinkError()
        old = child.parent_id
        child.parent = None
        child.save(update_fields=["parent"])
        record_activity(child, "incident.unlinked_from_parent", actor=actor_user(actor), old=old)
    return child


def merge_duplicate_incident(
    duplicate: Incident, *, into: Incident, actor: User, now: dt.datetime | None = None
) -> Incident:
    """Close `duplicate` as a duplicate of `into`; its reporter is told where to follow."""
    if duplicate.pk == into.pk or not duplicate.is_open or into.duplicate_of_id is not None:
        raise LinkError()
    now = now or timezone.now()
    with transaction.atomic():
        duplicate = locked_incident(duplicate)
        duplicate.duplicate_of = into
        duplicate.save(update_fields=["duplicate_of"])
        note = f"{into.tracking_code}: {into.title}"
        resolve_incident(duplicate, code=ResolutionCode.DUPLICATE, note=note, actor=actor, now=now)
        duplicate.refresh_from_db()
        if duplicate.status == IncidentStatus.RESOLVED:
            close_incident(duplicate, actor=actor, now=now)
        record_activity(
            into, "incident.duplicate_merged", actor=actor, data={"duplicate": duplicate.pk}
        )
        tell_reporter(duplicate, "incident_merged", key="merged", master=into.tracking_code)
    duplicate.refresh_from_db()
    return duplicate
