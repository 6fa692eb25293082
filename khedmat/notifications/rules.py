"""Sending rules: opt-out, quiet hours and per-recipient rate limits decide a message's first status.

Order: an opted-out recipient gets no optional message (cancelled); a non-urgent SMS in quiet
hours is held until the window ends (email wakes nobody); over the rate limit, codes and promotions are refused and
everything else is held until the window has room; otherwise the message is queued.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from khedmat.notifications import queries
from khedmat.notifications.choices import (
    REFUSED_OVER_LIMIT_KINDS,
    SUPPRESSIBLE_KINDS,
    URGENT_KINDS,
    Channel,
    MessageStatus,
)

OPTED_OUT = _("The recipient opted out of these messages.")
QUIET_HOURS = _("Quiet hours: held until the window ends.")
RATE_LIMITED_HELD = _("Too many messages to this recipient: held until the limit allows.")
RATE_LIMITED_REFUSED = _("Too many messages to this recipient: refused.")


@dataclass(frozen=True)
class QuietHours:
    """A daily window in a time zone; it may run over midnight (start after end)."""

    start: dt.time
    end: dt.time
    zone: ZoneInfo

    def end_after(self, now: dt.datetime) -> dt.datetime | None:
        """When the window containing `now` ends, or None when `now` is outside it."""
        local = now.astimezone(self.zone)
        clock = local.time().replace(tzinfo=None)
        if self.start <= self.end:
            inside = self.start <= clock < self.end
        else:
            inside = clock >= self.start or clock < self.end
        if not inside:
            return None
        end = dt.datetime.combine(local.date(), self.end, tzinfo=self.zone)
        if end <= local:
            end = dt.datetime.combine(local.date() + dt.timedelta(days=1), self.end)
            end = end.replace(tzinfo=self.zone)
        return end


@dataclass(frozen=True)
class Decision:
    """What the rules say about a message now: its status, until when (held), and why."""

    status: str
    release_at: dt.datetime | None = None
    reason: Promise | str = ""


_CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


def _parse_clock(text: str, setting: str) -> dt.time:
    match = _CLOCK.fullmatch(text.strip())
    if match is None:
        raise ImproperlyConfigured(f"{setting}: {text!r} is not a time of day such as 22:00.")
    return dt.time(int(match.group(1)), int(match.group(2)))


def parse_quiet_hours(value: str, zone_name: str) -> QuietHours | None:
    """`22:00-07:00` in `zone_name`; None for "" or "off" or an empty window; loud on bad input."""
    value = (value or "").strip()
    if value.lower() in {"", "off", "none"}:
        return None
    parts = value.split("-")
    if len(parts) != 2:
        raise ImproperlyConfigured(
            f"KHEDMAT_QUIET_HOURS={value!r}: use HH:MM-HH:MM, e.g. 22:00-07:00."
        )
    start, end = (_parse_clock(part, "KHEDMAT_QUIET_HOURS") for part in parts)
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"KHEDMAT_QUIET_HOURS_TIME_ZONE={zone_name!r} is not a known time zone."
        ) from None
    return None if start == end else QuietHours(start, end, zone)


def configured_quiet_hours() -> QuietHours | None:
    """The quiet hours from settings."""
    return parse_quiet_hours(
        getattr(settings, "KHEDMAT_QUIET_HOURS", ""),
        getattr(settings, "KHEDMAT_QUIET_HOURS_TIME_ZONE", settings.TIME_ZONE),
    )


def quiet_until(kind: str, now: dt.datetime, channel: str = Channel.SMS) -> dt.datetime | None:
    """When a message may go, if quiet hours hold it back now (never urgent kinds, never email)."""
    if kind in URGENT_KINDS or channel != Channel.SMS:
        return None
    window = configured_quiet_hours()
    return window.end_after(now) if window else None


def rate_limited_until(recipient: str, channel: str, now: dt.datetime) -> dt.datetime | None:
    """When the recipient's window next has room, if it is full now; None when it has room."""
    limit = int(getattr(settings, "KHEDMAT_MESSAGE_RATE_LIMIT", 0))
    if limit <= 0:
        return None
    window = dt.timedelta(seconds=int(settings.KHEDMAT_MESSAGE_RATE_WINDOW_SECONDS))
    times = queries.queued_times_since(recipient, channel, now - window)
    if len(times) < limit:
        return None
    return times[len(times) - limit] + window


def decide(
    *, kind: str, channel: str, recipient: str, now: dt.datetime, opted_out: bool | None = None
) -> Decision:
    """Apply opt-out, quiet hours and the rate limit, in that order, to a message about to go."""
    if kind in SUPPRESSIBLE_KINDS:
        if opted_out is None:
            opted_out = queries.is_opted_out(recipient, channel)
        if opted_out:
            return Decision(MessageStatus.CANCELLED, reason=OPTED_OUT)
    release_at = quiet_until(kind, now, channel)
    if release_at is not None:
        return Decision(MessageStatus.HELD, release_at, QUIET_HOURS)
    room_at = rate_limited_until(recipient, channel, now)
    if room_at is not None:
        if kind in REFUSED_OVER_LIMIT_KINDS:
            return Decision(MessageStatus.CANCELLED, reason=RATE_LIMITED_REFUSED)
        return Decision(MessageStatus.HELD, room_at, RATE_LIMITED_HELD)
    return Decision(MessageStatus.QUEUED)
