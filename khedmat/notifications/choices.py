"""Channels, kinds and statuses of messages, with the status transition table and the kind rules."""

from __future__ import annotations

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from khedmat.notifications.providers.base import DeliveryStatus


class Channel(models.TextChoices):
    """How a message travels."""

    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")


class MessageKind(models.TextChoices):
    """Why a message is sent; the kind decides quiet hours, opt-out and rate limiting."""

    OTP = "otp", _("One-time code")
    TRANSACTIONAL = "transactional", _("About the applicant's own request")
    NOTICE = "notice", _("Legal notice")
    INFORMATIONAL = "informational", _("Reminder or information")
    PROMOTIONAL = "promotional", _("Promotional")


class MessageStatus(models.TextChoices):
    """Where a message stands: the provider statuses (DeliveryStatus) plus `held` (not yet due)."""

    HELD = "held", _("Held")
    QUEUED = DeliveryStatus.QUEUED.value, DeliveryStatus.QUEUED.label
    SENT = DeliveryStatus.SENT.value, DeliveryStatus.SENT.label
    DELIVERED = DeliveryStatus.DELIVERED.value, DeliveryStatus.DELIVERED.label
    UNDELIVERED = DeliveryStatus.UNDELIVERED.value, DeliveryStatus.UNDELIVERED.label
    BLOCKED = DeliveryStatus.BLOCKED.value, DeliveryStatus.BLOCKED.label
    FAILED = DeliveryStatus.FAILED.value, DeliveryStatus.FAILED.label
    CANCELLED = DeliveryStatus.CANCELLED.value, DeliveryStatus.CANCELLED.label
    UNKNOWN = DeliveryStatus.UNKNOWN.value, DeliveryStatus.UNKNOWN.label


S = MessageStatus

# Which status may follow which; the one service that changes a status refuses anything else.
# Late reports are allowed where providers send them: delivered, then blocked (Kavenegar 14);
# undelivered, then delivered (a phone switched on again within the validity period).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.HELD: frozenset({S.QUEUED, S.CANCELLED, S.FAILED}),
    S.QUEUED: frozenset(
        {S.HELD, S.SENT, S.DELIVERED, S.UNDELIVERED, S.BLOCKED, S.FAILED, S.CANCELLED, S.UNKNOWN}
    ),
    S.SENT: frozenset({S.DELIVERED, S.UNDELIVERED, S.BLOCKED, S.FAILED, S.CANCELLED, S.UNKNOWN}),
    S.UNKNOWN: frozenset({S.SENT, S.DELIVERED, S.UNDELIVERED, S.BLOCKED, S.FAILED, S.CANCELLED}),
    S.DELIVERED: frozenset({S.BLOCKED}),
    S.UNDELIVERED: frozenset({S.DELIVERED}),
    S.BLOCKED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
}

# Handed to a provider and not yet final: the statuses delivery polling looks at.
AWAITING_REPORT: frozenset[str] = frozenset({S.SENT, S.UNKNOWN})
# Not sent yet: a message here can still be cancelled.
PENDING: frozenset[str] = frozenset({S.HELD, S.QUEUED})
# A staff member may send these again (as a new message linked to the original).
RESENDABLE: frozenset[str] = frozenset({S.FAILED, S.UNDELIVERED})

K = MessageKind

# Sent at once even in quiet hours: a code or news about the applicant's own request.
URGENT_KINDS: frozenset[str] = frozenset({K.OTP, K.TRANSACTIONAL})
# The recipient may refuse these (an OptOut row); codes, own-request news and legal notices not.
SUPPRESSIBLE_KINDS: frozenset[str] = frozenset({K.INFORMATIONAL, K.PROMOTIONAL})
# Over the per-recipient rate limit these are refused (cancelled): a late code is useless and a
# flood of codes is an attack; a promotion can be dropped. Every other kind is held until the
# window has room, because the applicant must still get it.
REFUSED_OVER_LIMIT_KINDS: frozenset[str] = frozenset({K.OTP, K.PROMOTIONAL})


# How the timeline names what happened to a message.
ACTIVITY_LABELS: dict[str, Promise] = {
    "message.held": _("Held"),
    "message.queued": _("Queued"),
    "message.sent": _("Sent to the provider"),
    "message.delivered": _("Delivered"),
    "message.undelivered": _("Not delivered"),
    "message.blocked": _("Blocked by the recipient"),
    "message.failed": _("Failed"),
    "message.cancelled": _("Cancelled"),
    "message.unknown": _("Status unknown"),
    "message.retry_scheduled": _("Will be tried again"),
    "message.redispatched": _("Dispatched again"),
    "message.resent": _("Sent again by staff"),
    "message.secret_removed": _("Login code or private link removed"),
    "message.template_missing": _("No message template for the applicant's SMS"),
}


def can_change_status(old: str, new: str) -> bool:
    """Whether the transition table allows `old` -> `new` (an unchanged status is not a move)."""
    return new in TRANSITIONS.get(old, frozenset())


def sms_route(kind: str) -> str:
    """The provider list a kind is sent through: "otp" for codes, else "transactional"."""
    return "otp" if kind == MessageKind.OTP else "transactional"
