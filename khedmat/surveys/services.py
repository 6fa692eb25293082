"""Survey use cases: invite, remind, expire, answer, open and close a follow-up.

The link's token is random; an invitation keeps only its HMAC-SHA256 keyed with SECRET_KEY (the
same idea as the login codes in accounts/otp.py), so the database alone cannot answer a survey.
A reminder sends a new link (its hash in `reminder_token_hash`); both links stay valid until the
survey is answered or expires. Tickets know nothing of surveys: this app reads completed requests.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from persiantools.jdatetime import JalaliDate

from khedmat.accounts.models import User
from khedmat.core.services import record_activity
from khedmat.notifications.secrecy import Secret
from khedmat.processes.models import WorkItem
from khedmat.surveys.choices import FollowUpStatus, InvitationStatus, QuestionKind
from khedmat.surveys.conf import setting
from khedmat.surveys.errors import (
    AlreadyAnsweredError,
    InvalidAnswersError,
    NoteRequiredError,
    SurveyExpiredError,
    TransitionError,
)
from khedmat.surveys.models import (
    SurveyDefinition,
    SurveyFollowUp,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)
from khedmat.tickets.choices import Status
from khedmat.tickets.models import Ticket
from khedmat.tickets.services import tell_applicant

logger = logging.getLogger(__name__)

_HMAC_PURPOSE = "khedmat.surveys.invitation_token"
DEFAULT_KEY = "default"
EVENT = "survey_invitation"


# --- tokens -----------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    """HMAC-SHA256 of a link token, keyed with SECRET_KEY."""
    return salted_hmac(
        _HMAC_PURPOSE, token, secret=settings.SECRET_KEY, algorithm="sha256"
    ).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(24)


def survey_link(token: str) -> str:
    """The public address of the survey page for a token (sent by SMS)."""
    path = reverse("surveys:survey_answer", args=[token])
    return f"{settings.KHEDMAT_PUBLIC_URL.rstrip('/')}{path}"


def invitation_for_token(token: str) -> SurveyInvitation | None:
    """The invitation a link token opens, or None (a guessed or mangled token)."""
    if not token or len(token) > 100:
        return None
    digest = hash_token(token)
    return (
        SurveyInvitation.objects.select_related("ticket", "ticket__service_version", "definition")
        .filter(Q(token_hash=digest) | Q(reminder_token_hash=digest))
        .first()
    )


# --- definitions ------------------------------------------------------------------------------


def definition_for_service(service_id: int) -> SurveyDefinition | None:
    """The service's own active survey, else the active default survey."""
    candidates = SurveyDefinition.objects.filter(
        Q(service_id=service_id) | Q(service__isnull=True), is_active=True
    ).order_by("service_id", "key")
    own = [item for item in candidates if item.service_id == service_id]
    if own:
        return own[0]
    fallback = [item for item in candidates if item.service_id is None]
    default = [item for item in fallback if item.key == DEFAULT_KEY]
    chosen = default or fallback
    return chosen[0] if chosen else None


# --- invitations ------------------------------------------------------------------------------


def _agent_and_team(ticket: Ticket) -> tuple[int | None, int | None]:
    """Who handled the request: its assignee, else whoever completed its last work item."""
    last = (
        WorkItem.objects.filter(ticket=ticket, completed_by__isnull=False)
        .order_by("-completed_at", "-id")
        .values("completed_by_id", "team_id")
        .first()
    )
    agent = ticket.assignee_id or (last["completed_by_id"] if last else None)
    team = ticket.team_id or (last["team_id"] if last else None)
    return agent, team


def _month_keys(moment: dt.datetime) -> tuple[str, str]:
    local = timezone.localtime(moment).date()
    jalali = JalaliDate(local)
    return f"{local.year:04d}-{local.month:02d}", f"{jalali.year:04d}-{jalali.month:02d}"


def invite_to_survey(ticket: Ticket, *, now: dt.datetime | None = None) -> SurveyInvitation | None:
    """Create the completed request's one invitation and queue its SMS; None when it has one
    already, is not completed or no survey is defined."""
    if ticket.status != Status.COMPLETED:
        return None
    definition = definition_for_service(ticket.service_id)
    if definition is None:
        return None
    now = now or timezone.now()
    token = new_token()
    agent, team = _agent_and_team(ticket)
    month, jalali_month = _month_keys(now)
    try:
        with transaction.atomic():
            invitation = SurveyInvitation.objects.create(
                ticket=ticket,
                definition=definition,
                token_hash=hash_token(token),
                sent_at=now,
                expires_at=now + dt.timedelta(days=setting("KHEDMAT_SURVEY_EXPIRY_DAYS")),
                service_id=ticket.service_id,
                org_unit_id=ticket.org_unit_id,
                team_id=team,
                agent_id=agent,
                month=month,
                jalali_month=jalali_month,
            )
            sent = tell_applicant(ticket, EVENT, key="survey", link=Secret(survey_link(token)))
            record_activity(
                invitation, "survey.invited", new=InvitationStatus.SENT, data={"sms": sent}
            )
    except IntegrityError:  # another worker invited it first
        return None
    return invitation


def send_due_invitations(*, now: dt.datetime | None = None) -> int:
    """Tick: invite every request completed in the last KHEDMAT_SURVEY_LOOKBACK_DAYS without one."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=setting("KHEDMAT_SURVEY_LOOKBACK_DAYS"))
    due = Ticket.objects.filter(
        status=Status.COMPLETED, closed_at__gte=since, survey_invitation__isnull=True
    ).select_related("service_version", "requester")
    count = 0
    for ticket in due[:500]:
        if invite_to_survey(ticket, now=now) is not None:
            count += 1
    return count


def remind_survey(invitation: SurveyInvitation, *, now: dt.datetime | None = None) -> bool:
    """Send the one reminder with a fresh link; False when it was reminded or is no longer open."""
    now = now or timezone.now()
    token = new_token()
    with transaction.atomic():
        locked = SurveyInvitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.reminded_at is not None or not locked.is_open(now):
            return False
        locked.reminded_at = now
        locked.reminder_token_hash = hash_token(token)
        locked.save(update_fields=["reminded_at", "reminder_token_hash"])
        ticket = Ticket.objects.select_related("service_version", "requester").get(
            pk=locked.ticket_id
        )
        link = Secret(survey_link(token))  # the outbox keeps it only until the SMS is sent
        sent = tell_applicant(ticket, EVENT, key="survey:reminder", link=link)
        record_activity(locked, "survey.reminded", data={"sms": sent})
    invitation.reminded_at = now
    invitation.reminder_token_hash = locked.reminder_token_hash
    return True


def send_due_reminders(*, now: dt.datetime | None = None) -> int:
    """Tick: remind, once, the invitations unanswered for KHEDMAT_SURVEY_REMINDER_DAYS."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=setting("KHEDMAT_SURVEY_REMINDER_DAYS"))
    due = SurveyInvitation.objects.filter(
        status=InvitationStatus.SENT,
        reminded_at__isnull=True,
        sent_at__lte=cutoff,
        expires_at__gt=now,
    )
    return sum(1 for invitation in due[:500] if remind_survey(invitation, now=now))


def _change_status(
    invitation: SurveyInvitation,
    status: str,
    *,
    now: dt.datetime,
    data: dict[str, Any] | None = None,
) -> None:
    if invitation.status == status:
        return
    if not invitation.can_move_to(status):
        raise TransitionError()
    old = invitation.status
    invitation.status = status
    fields = ["status"]
    if status == InvitationStatus.ANSWERED:
        invitation.answered_at = now
        fields.append("answered_at")
    invitation.save(update_fields=fields)
    record_activity(invitation, f"survey.{status}", old=old, new=status, data=data)


def expire_survey(invitation: SurveyInvitation, *, now: dt.datetime | None = None) -> bool:
    """Close an unanswered invitation past its expiry; False when there was nothing to do."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = SurveyInvitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.status != InvitationStatus.SENT or locked.expires_at > now:
            return False
        _change_status(locked, InvitationStatus.EXPIRED, now=now)
    invitation.status = locked.status
    return True


def expire_due_invitations(*, now: dt.datetime | None = None) -> int:
    """Tick: expire the invitations past their expiry."""
    now = now or timezone.now()
    due = SurveyInvitation.objects.filter(status=InvitationStatus.SENT, expires_at__lte=now)
    return sum(1 for invitation in due[:500] if expire_survey(invitation, now=now))


# --- answers ----------------------------------------------------------------------------------


def _clean_answers(
    questions: list[SurveyQuestion], answers: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, int], str]:
    cleaned: dict[str, Any] = {}
    scores: dict[str, int] = {}
    texts: list[str] = []
    for question in questions:
        value = answers.get(question.key)
        if question.kind == QuestionKind.SCALE_1_5:
            if value in (None, ""):
                if question.is_required:
                    raise InvalidAnswersError()
                continue
            try:
                score = int(value)
            except (TypeError, ValueError):
                raise InvalidAnswersError() from None
            if not 1 <= score <= 5:
                raise InvalidAnswersError()
            cleaned[question.key] = scores[question.key] = score
        else:
            text = str(value or "").strip()[:2000]
            if text:
                cleaned[question.key] = text
                texts.append(text)
    if not scores:
        raise InvalidAnswersError()
    return cleaned, scores, "\n\n".join(texts)


def answer_survey(
    invitation: SurveyInvitation, *, answers: Mapping[str, Any], now: dt.datetime | None = None
) -> SurveyResponse:
    """Store the one response to an invitation; a low score opens a follow-up for a supervisor."""
    now = now or timezone.now()
    questions = list(invitation.definition.questions.all())
    cleaned, scores, comment = _clean_answers(questions, answers)
    average = (Decimal(sum(scores.values())) / len(scores)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    with transaction.atomic():
        locked = SurveyInvitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.status == InvitationStatus.ANSWERED:
            raise AlreadyAnsweredError()
        if not locked.is_open(now):
            raise SurveyExpiredError()
        response = SurveyResponse.objects.create(
            invitation=locked,
            answers=cleaned,
            scores=scores,
            average=average,
            comment=comment,
            created_at=now,
        )
        _change_status(locked, InvitationStatus.ANSWERED, now=now, data={"average": str(average)})
        _open_follow_up_if_low(response, locked, now=now)
    invitation.status = locked.status
    invitation.answered_at = locked.answered_at
    return response


def _open_follow_up_if_low(
    response: SurveyResponse, invitation: SurveyInvitation, *, now: dt.datetime
) -> SurveyFollowUp | None:
    threshold = setting("KHEDMAT_SURVEY_FOLLOW_UP_SCORE")
    low = sorted(key for key, score in response.scores.items() if score <= threshold)
    if response.average > threshold:
        if not low:
            return None
        reason = _("Low score on: %(axes)s") % {"axes": ", ".join(low)}
    else:
        reason = _("Low average score: %(average)s") % {"average": response.average}
    follow_up = SurveyFollowUp.objects.create(
        response=response,
        org_unit_id=invitation.org_unit_id,
        reason=str(reason)[:300],
        created_at=now,
    )
    record_activity(
        follow_up,
        "survey.follow_up_opened",
        new=FollowUpStatus.OPEN,
        data={"average": str(response.average), "low": low},
    )
    return follow_up


def close_follow_up(follow_up: SurveyFollowUp, *, note: str, actor: User) -> SurveyFollowUp:
    """A supervisor closes a follow-up with a note on what was done."""
    note = (note or "").strip()
    if not note:
        raise NoteRequiredError()
    with transaction.atomic():
        locked = SurveyFollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if not locked.can_close():
            raise TransitionError()
        locked.status = FollowUpStatus.CLOSED
        locked.note = note
        locked.closed_at = timezone.now()
        locked.closed_by = actor
        locked.save(update_fields=["status", "note", "closed_at", "closed_by"])
        record_activity(
            locked,
            "survey.follow_up_closed",
            actor=actor,
            old=FollowUpStatus.OPEN,
            new=FollowUpStatus.CLOSED,
            data={"note": note},
        )
    return locked
