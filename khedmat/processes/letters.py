"""Follow the office-automation letters of requests and tell the applicant when one moves (R-19).

The tick queues a poll for each open REST letter not checked for LETTER_POLL_INTERVAL; the job asks
the office automation (integrations.poll_letter) and, when the status changed, sends the applicant
the stage SMS naming the letter.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, override

from khedmat.integrations import services as integrations
from khedmat.integrations.choices import LetterProvider, LetterStatus
from khedmat.integrations.models import OfficeLetter
from khedmat.integrations.office.registry import office_provider_name
from khedmat.tickets import services as ticket_services
from khedmat.tickets.models import Ticket

LETTER_POLL_INTERVAL = dt.timedelta(minutes=15)
OPEN_LETTER_STATUSES = (LetterStatus.REGISTERED, LetterStatus.IN_REVIEW)


def poll_due_letters(*, now: dt.datetime | None = None, limit: int = 100) -> int:
    """Tick handler: queue a poll for each request letter due for one; return how many."""
    from khedmat.processes.tasks import follow_letter_task

    if office_provider_name() != "rest":
        return 0
    now = now or timezone.now()
    due = list(
        OfficeLetter.objects.filter(
            record_type=ContentType.objects.get_for_model(Ticket),
            provider=LetterProvider.REST,
            status__in=OPEN_LETTER_STATUSES,
        )
        .filter(
            Q(last_checked_at__isnull=True) | Q(last_checked_at__lte=now - LETTER_POLL_INTERVAL)
        )
        .values_list("pk", flat=True)[:limit]
    )
    OfficeLetter.objects.filter(pk__in=due).update(last_checked_at=now)  # queued once per interval
    for pk in due:
        follow_letter_task.enqueue(pk)
    return len(due)


def follow_letter(letter_id: int) -> str:
    """Poll one letter; when it moved, the applicant gets an SMS with the letter's new status."""
    letter = OfficeLetter.objects.filter(pk=letter_id).first()
    if letter is None:
        return "missing"
    old = letter.status
    letter = integrations.poll_letter(letter)
    ticket = letter.record
    if letter.status != old and isinstance(ticket, Ticket):
        with override(ticket.language):
            stage = gettext("Letter %(number)s: %(status)s") % {
                "number": letter.letter_number,
                "status": letter.get_status_display(),
            }
        ticket_services.tell_applicant(
            ticket,
            "stage_changed",
            key=f"letter:{letter.pk}:{letter.status}",
            stage=stage,
            due_date=None,
        )
    return str(letter.status)
