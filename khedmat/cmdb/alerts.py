"""Expiry alerts: licences that expire, and contracts that end, within the warning window
(KHEDMAT_LICENCE_WARNING_DAYS, 30 by default) are announced once to the supervisors, by e-mail
(else SMS), through the notifications outbox. A licence is marked `expiry_warned_on`; a contract
keeps a `contract.ending_warned` Activity row. Run daily-ish from the tick (`expiry_alerts_tick`).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from khedmat.accounts.choices import Role
from khedmat.accounts.models import User
from khedmat.cmdb.models import Contract, Licence
from khedmat.core.dates import format_date
from khedmat.core.digits import localize_digits
from khedmat.core.models import Activity
from khedmat.core.services import record_activity
from khedmat.notifications.choices import Channel, MessageKind
from khedmat.notifications.services import queue_message

#: The tick runs every minute; the alerts look at most once in this many seconds per process.
TICK_EVERY_SECONDS = 3600
_last_run: dict[str, float] = {}


def warning_days() -> int:
    return int(getattr(settings, "KHEDMAT_LICENCE_WARNING_DAYS", 30))


def supervisors() -> list[User]:
    """Who is told: active users with the supervisor role."""
    return list(User.objects.filter(is_active=True, groups__name=Role.SUPERVISOR).order_by("pk"))


def warn_expiring_licences(now: dt.datetime | None = None) -> int:
    """Tell the supervisors of each licence expiring within the window and not yet announced;
    returns how many licences were announced."""
    today = timezone.localdate(now or timezone.now())
    horizon = today + dt.timedelta(days=warning_days())
    due = Licence.objects.filter(
        expires_on__isnull=False,
        expires_on__gte=today,
        expires_on__lte=horizon,
        expiry_warned_on__isnull=True,
    ).order_by("expires_on", "pk")
    people = supervisors()
    count = 0
    for licence in due:
        with transaction.atomic():
            locked = Licence.objects.select_for_update().get(pk=licence.pk)
            if locked.expiry_warned_on is not None or locked.expires_on is None:
                continue
            told = _tell(people, locked, "licence_expiring", locked.expires_on, today)
            locked.expiry_warned_on = today
            locked.save(update_fields=["expiry_warned_on"])
            record_activity(locked, "licence.expiry_warned", data={"told": told})
        count += 1
    return count


def warn_ending_contracts(now: dt.datetime | None = None) -> int:
    """The same for contracts ending within the window (once each, kept as an Activity row)."""
    today = timezone.localdate(now or timezone.now())
    horizon = today + dt.timedelta(days=warning_days())
    content_type = ContentType.objects.get_for_model(Contract)
    warned = Activity.objects.filter(
        target_type=content_type, verb="contract.ending_warned"
    ).values_list("target_id", flat=True)
    due = (
        Contract.objects.filter(ends_on__gte=today, ends_on__lte=horizon)
        .exclude(pk__in=[int(pk) for pk in warned])
        .order_by("ends_on", "pk")
    )
    people = supervisors()
    count = 0
    for contract in due:
        with transaction.atomic():
            told = _tell(people, contract, "contract_ending", contract.ends_on, today)
            record_activity(contract, "contract.ending_warned", data={"told": told})
        count += 1
    return count


def _tell(
    people: list[User], record: Licence | Contract, event: str, day: dt.date, today: dt.date
) -> int:
    told = 0
    for person in people:
        for channel, address in ((Channel.EMAIL, person.email), (Channel.SMS, person.mobile)):
            if not address:
                continue
            language = (person.preferred_language or settings.LANGUAGE_CODE)[:2]
            subject, body = _texts(record, day, today, language)
            queue_message(
                channel=channel,
                recipient=address,
                subject=subject if channel == Channel.EMAIL else "",
                body=body,
                kind=MessageKind.INFORMATIONAL,
                language=language,
                event=event,
                record=record,
                idempotency_key=f"{event}:{record.pk}:{day.isoformat()}:{person.pk}",
            )
            told += 1
            break
    return told


def _texts(
    record: Licence | Contract, day: dt.date, today: dt.date, language: str
) -> tuple[str, str]:
    with translation.override(language):
        days = localize_digits(str((day - today).days), language)
        values = {"name": str(record), "date": format_date(day, language), "days": days}
        if isinstance(record, Licence):
            subject = _("Licence %(name)s expires soon") % values
            body = _("The licence %(name)s expires on %(date)s (in %(days)s days).") % values
        else:
            subject = _("Contract %(name)s ends soon") % values
            body = _("The contract %(name)s ends on %(date)s (in %(days)s days).") % values
    return subject, body


def expiry_alerts_tick(now: dt.datetime | None = None) -> int:
    """Tick handler: at most hourly per process, announce licences and contracts (idempotent)."""
    import time

    clock = time.monotonic()
    if clock - _last_run.get("alerts", -TICK_EVERY_SECONDS) < TICK_EVERY_SECONDS:
        return 0
    _last_run["alerts"] = clock
    return warn_expiring_licences(now) + warn_ending_contracts(now)
