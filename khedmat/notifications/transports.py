"""Transports: hand one message to the SMS providers (with failover) or to Django's email backend.

Network I/O lives here and nowhere else; a failure comes back as TransportError saying whether a
later attempt can help. No database writes: the delivery service records what happened.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field
from decimal import Decimal
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from khedmat.notifications.choices import Channel, MessageStatus, sms_route
from khedmat.notifications.models import Message
from khedmat.notifications.providers.base import (
    DeliveryStatus,
    LocalSmsBackend,
    SmsBackend,
    SmsDeliveryError,
    SmsResult,
)
from khedmat.notifications.providers.registry import backends_for
from khedmat.notifications.rendering import render_email

logger = logging.getLogger(__name__)

EMAIL_PROVIDER = "email"

# A provider's answer to a send, as the message's status: accepted means sent.
_STATUS_AFTER_SEND = {
    DeliveryStatus.QUEUED: MessageStatus.SENT,
    DeliveryStatus.SENT: MessageStatus.SENT,
    DeliveryStatus.UNKNOWN: MessageStatus.SENT,
}


@dataclass(frozen=True)
class Outcome:
    """A message a provider accepted: who, under which id, its status and cost."""

    provider: str
    provider_message_id: str
    status: str
    cost: Decimal | None = None
    notes: list[str] = field(default_factory=list)


class TransportError(Exception):
    """No provider took the message; `retryable` says whether a later attempt can help."""

    def __init__(
        self, message: str, *, retryable: bool, provider: str = "", notes: list[str] | None = None
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.provider = provider
        self.notes = notes or []


def local_id(message: Message) -> str:
    """The id providers deduplicate on: stable across retries of one message, new for a resend."""
    return str(message.pk)


def _sms_backends(kind: str) -> list[SmsBackend]:
    return backends_for(sms_route(kind))


def _send_with(backend: SmsBackend, message: Message) -> SmsResult:
    own_template = not message.template_provider or message.template_provider == backend.name
    if message.provider_template and own_template:
        params = {str(name): str(value) for name, value in message.provider_params.items()}
        if isinstance(backend, LocalSmsBackend) and message.contains_secret:
            shown = {name: message.scrub(value) for name, value in params.items()}
            return backend.send_template(
                message.recipient,
                message.provider_template,
                params,
                local_id=local_id(message),
                shown=shown,
            )
        return backend.send_template(
            message.recipient, message.provider_template, params, local_id=local_id(message)
        )
    if isinstance(backend, LocalSmsBackend) and message.contains_secret:
        return backend.send(
            message.recipient, message.body, local_id=local_id(message), shown=message.masked_body
        )
    return backend.send(message.recipient, message.body, local_id=local_id(message))


def _check_secret_kept(message: Message) -> None:
    """A message whose secret was removed cannot be sent: its text now holds only the mask."""
    if message.contains_secret and message.secret_removed_at is not None:
        raise TransportError(
            "The message's one-time code or private link was removed before it could be sent.",
            retryable=False,
        )


def scrubbed(error: TransportError, message: Message) -> TransportError:
    """The error with the message's secret values masked (a provider may echo what it got)."""
    if not message.contains_secret:
        return error
    return TransportError(
        message.scrub(str(error)),
        retryable=error.retryable,
        provider=error.provider,
        notes=[message.scrub(note) for note in error.notes],
    )


def send_sms(message: Message) -> Outcome:
    """Try the kind's providers in failover order; the first that accepts wins."""
    backends = _sms_backends(message.kind)
    if not backends:
        raise TransportError("No SMS provider is configured.", retryable=True)
    notes: list[str] = []
    for position, backend in enumerate(backends):
        last = position == len(backends) - 1
        try:
            result = _send_with(backend, message)
        except SmsDeliveryError as error:
            notes.append(f"{backend.name}: {error}")
            if error.failover and not last:
                continue
            raise TransportError(
                str(error),
                retryable=error.retryable or error.failover,
                provider=backend.name,
                notes=notes,
            ) from error
        except Exception as error:  # a bug or an unwrapped transport error: try again later
            if message.contains_secret:  # the traceback may show the text: keep it out of logs
                logger.error("SMS provider %s failed unexpectedly: %s", backend.name, type(error))
            else:
                logger.exception("SMS provider %s failed unexpectedly.", backend.name)
            notes.append(f"{backend.name}: {type(error).__name__}: {error}")
            raise TransportError(
                notes[-1], retryable=True, provider=backend.name, notes=notes
            ) from error
        status = _STATUS_AFTER_SEND.get(result.status, MessageStatus(result.status))
        return Outcome(backend.name, result.provider_id, status, result.cost, notes)
    raise AssertionError("unreachable")  # pragma: no cover


def send_email(message: Message) -> Outcome:
    """Send the HTML + text email through the configured Django email backend."""
    text, html = render_email(message)
    domain = str(settings.DEFAULT_FROM_EMAIL or "").rpartition("@")[2] or None
    message_id = make_msgid(idstring=f"khedmat-{message.pk}", domain=domain)
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers={"Message-ID": message_id},
    )
    email.attach_alternative(html, "text/html")
    try:
        email.send()
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as error:
        raise TransportError(str(error), retryable=False, provider=EMAIL_PROVIDER) from error
    except (smtplib.SMTPException, OSError) as error:
        raise TransportError(str(error), retryable=True, provider=EMAIL_PROVIDER) from error
    return Outcome(EMAIL_PROVIDER, message_id.strip("<>")[:100], MessageStatus.SENT)


def send(message: Message) -> Outcome:
    """Hand the message to its channel."""
    _check_secret_kept(message)
    if message.channel == Channel.EMAIL:
        return send_email(message)
    return send_sms(message)
