"""Writing messages: queue and notify (in the caller's transaction), status changes, resend, opt-out,
templates. Every change writes its Activity row on the message and on the record it is about.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from khedmat.core.actors import Actor
from khedmat.core.services import record_activity
from khedmat.notifications import queries, rules
from khedmat.notifications.choices import PENDING, Channel, MessageKind, MessageStatus
from khedmat.notifications.errors import (
    IllegalStatusChangeError,
    NoRecipientError,
    NotResendableError,
    TemplateMissingError,
)
from khedmat.notifications.models import Message, MessageTemplate, OptOut, normalise_address
from khedmat.notifications.rendering import message_context, render_text
from khedmat.notifications.secrecy import SECRET_MASK, masked_context, secret_names
from khedmat.notifications.tasks import deliver_message_task

logger = logging.getLogger(__name__)


# A delivery report may move a message only to one of these (a provider never "queues" ours).
def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


# --- recipients -------------------------------------------------------------------------------


def normalise_recipient(channel: str, address: str) -> str:
    """A mobile as E.164 (+989…), an email lower-cased; ValidationError when it is neither."""
    return normalise_address(channel, address)


def _address_of(recipient: Any, channel: str) -> str:
    if isinstance(recipient, str):
        return normalise_recipient(channel, recipient)
    address = recipient.mobile if channel == Channel.SMS else recipient.email
    if not address:
        raise NoRecipientError(f"{recipient} has no address for {channel}.")
    return normalise_recipient(channel, address)


def _language_of(recipient: Any, language: str | None) -> str:
    chosen = language or getattr(recipient, "preferred_language", "") or settings.LANGUAGE_CODE
    return chosen[:2]


# --- the timeline ---------------------------------------------------------------------------


def _record_of(message: Message) -> models.Model | None:
    if message.related_type_id is None:
        return None
    related = message.related
    return related if isinstance(related, models.Model) else None


def _log(
    message: Message,
    verb: str,
    *,
    actor: Actor,
    old: Any = None,
    new: Any = None,
    data: Mapping[str, Any] | None = None,
) -> None:
    """Write the Activity row on the message and on the record it is about."""
    details = {"message": message.pk, "channel": message.channel, "event": message.event}
    details.update(data or {})
    record_activity(message, verb, actor=actor, old=old, new=new, data=details)
    record = _record_of(message)
    if record is not None:
        record_activity(record, verb, actor=actor, old=old, new=new, data=details)


# --- writing messages -----------------------------------------------------------------------


def _dispatch(message: Message, now: dt.datetime) -> None:
    """Enqueue the delivery job in the caller's transaction and remember its id."""
    result = deliver_message_task.enqueue(message.pk)
    message.task_id = str(result.id)
    message.queued_at = message.queued_at or now
    message.next_attempt_at = None
    message.save(update_fields=["task_id", "queued_at", "next_attempt_at"])


def _related_fields(record: models.Model | None) -> dict[str, Any]:
    if record is None:
        return {"related_type": None, "related_id": ""}
    if record.pk is None:
        raise ValueError("a message's record must be saved first")
    content_type = ContentType.objects.get_for_model(record, for_concrete_model=False)
    return {"related_type": content_type, "related_id": str(record.pk)}


def _create_message(
    fields: dict[str, Any], *, actor: Actor, now: dt.datetime, record: models.Model | None = None
) -> Message:
    """Insert the message with the status the rules give it (a taken key raises IntegrityError)."""
    decision = rules.decide(
        kind=fields["kind"], channel=fields["channel"], recipient=fields["recipient"], now=now
    )
    message = Message(**fields, status=decision.status, created_at=now, status_changed_at=now)
    if record is not None:  # the timeline rows below need the record: no query to read it back
        Message._meta.get_field("related").set_cached_value(message, record)
    message.created_by_id = actor.pk if actor is not None and actor.is_authenticated else None
    if decision.status == MessageStatus.HELD:
        message.next_attempt_at = decision.release_at
    elif decision.status == MessageStatus.CANCELLED:
        message.last_error = str(decision.reason)
        for name, value in secret_removal(message, now).items():
            setattr(message, name, value)
    message.save()
    if decision.status == MessageStatus.QUEUED:
        _dispatch(message, now)
    data = {"reason": str(decision.reason)} if decision.reason else {}
    if message.next_attempt_at:
        data["until"] = message.next_attempt_at.isoformat()
    _log(message, f"message.{decision.status}", actor=actor, new=decision.status, data=data)
    return message


def _secret_fields(
    kind: str,
    body: str,
    params: Mapping[str, str],
    masked_body: str | None,
    secret_values: Sequence[str],
) -> dict[str, Any]:
    """The secret-keeping fields: a code message with nothing marked secret is secret as a whole."""
    values = [value for value in secret_values if value]
    if kind == MessageKind.OTP and not values:
        values = [body, *(value for value in params.values() if value)]
        masked_body = SECRET_MASK
    if not values:
        return {"contains_secret": False, "masked_body": "", "secret_values": []}
    return {
        "contains_secret": True,
        "masked_body": SECRET_MASK if masked_body is None else masked_body,
        "secret_values": list(dict.fromkeys(values)),
    }


def secret_removal(message: Message, now: dt.datetime) -> dict[str, Any]:
    """The field changes that drop a message's secret: the masked text replaces the real one."""
    if not message.contains_secret or message.secret_removed_at is not None:
        return {}
    values = set(message.secret_values)
    return {
        "body": message.masked_body,
        "subject": message.scrub(message.subject),
        "provider_params": {
            name: SECRET_MASK if value in values else value
            for name, value in message.provider_params.items()
        },
        "last_error": message.scrub(message.last_error),
        "masked_body": "",
        "secret_values": [],
        "secret_removed_at": now,
    }


def queue_message(
    *,
    channel: str,
    recipient: str,
    body: str,
    kind: str = MessageKind.TRANSACTIONAL,
    language: str = "fa",
    subject: str = "",
    event: str = "",
    template: MessageTemplate | None = None,
    record: models.Model | None = None,
    provider_template: str = "",
    template_provider: str = "",
    provider_params: Mapping[str, str] | None = None,
    masked_body: str | None = None,
    secret_values: Sequence[str] = (),
    idempotency_key: str | None = None,
    resent_from: Message | None = None,
    actor: Actor = None,
    now: dt.datetime | None = None,
) -> Message:
    """Write a message (queued, held or cancelled by the rules) and its job, in one transaction.

    A message with `secret_values` (or of the OTP kind) holds a secret: `masked_body` is what staff
    see, and the real text is kept only until the final delivery attempt (see secrecy.py). The same
    idempotency key twice returns the first message and writes nothing.
    """
    now = _now(now)
    key = idempotency_key or f"message:{uuid.uuid4().hex}"
    params = dict(provider_params or {})
    secret = _secret_fields(kind, body, params, masked_body, secret_values)
    fields = {
        "channel": channel,
        "recipient": normalise_recipient(channel, recipient),
        "body": body,
        "kind": kind,
        "language": language[:2],
        "subject": subject,
        "event": event,
        "template": template,
        "provider_template": provider_template,
        "template_provider": template_provider,
        "provider_params": params,
        **secret,
        "idempotency_key": key,
        "resent_from": resent_from,
        **_related_fields(record),
    }
    try:
        with transaction.atomic():
            return _create_message(fields, actor=actor, now=now, record=record)
    except IntegrityError:  # the key was written first by someone else: theirs is the message
        existing = queries.message_by_key(key)
        if existing is None:
            raise
        return existing


def notify(
    event: str,
    *,
    record: models.Model | None,
    recipient: Any,
    language: str | None = None,
    context: Mapping[str, Any] | None = None,
    kind: str = MessageKind.TRANSACTIONAL,
    actor: Actor = None,
    channel: str = Channel.SMS,
    idempotency_key: str | None = None,
    now: dt.datetime | None = None,
) -> Message:
    """Render the event's template for a recipient (a User or an address) and queue the message."""
    language = _language_of(recipient, language)
    template = queries.template_for(event, channel, language)
    if template is None:
        raise TemplateMissingError(f"No active {channel} template for {event!r} ({language}).")
    values: dict[str, Any] = {"name": _name_of(recipient), **(context or {})}
    secrets = secret_names(values)
    shown = masked_context(values)
    texts = message_context(values, template.language)
    params = {name: texts.get(variable, "") for name, variable in template.provider_params.items()}
    subject = ""
    if channel == Channel.EMAIL:  # a subject is never a place for a secret: masked
        subject = render_text(template.subject, shown, language=template.language)
    return queue_message(
        channel=channel,
        recipient=_address_of(recipient, channel),
        body=render_text(template.body, values, language=template.language),
        masked_body=render_text(template.body, shown, language=template.language),
        secret_values=[texts[name] for name in sorted(secrets)],
        kind=kind,
        language=template.language,
        subject=subject,
        event=event,
        template=template,
        record=record,
        provider_template=template.provider_template,
        template_provider=template.provider,
        provider_params=params,
        idempotency_key=idempotency_key,
        actor=actor,
        now=now,
    )


def _name_of(recipient: Any) -> str:
    if isinstance(recipient, str):
        return ""
    full_name = getattr(recipient, "get_full_name", None)
    return str(full_name()) if callable(full_name) else str(recipient)


# --- status ---------------------------------------------------------------------------------


def _move(
    message: Message,
    status: str,
    *,
    actor: Actor,
    now: dt.datetime,
    error: str = "",
    data: Mapping[str, Any] | None = None,
    changes: Mapping[str, Any] | None = None,
) -> Message:
    """Apply a status change to a message locked by the caller; refuse what the table forbids."""
    error = message.scrub(error)
    changed = dict(changes or {})
    if message.status != status:
        if not message.can_change_to(status):
            raise IllegalStatusChangeError(
                f"Message {message.pk} cannot go from {message.status} to {status}."
            )
        changed["status_changed_at"] = now
        if status == MessageStatus.SENT and message.sent_at is None:
            changed["sent_at"] = now
        if status == MessageStatus.DELIVERED:
            changed["delivered_at"] = now
        if status == MessageStatus.QUEUED and message.queued_at is None:
            changed["queued_at"] = now
    if status not in PENDING:  # handed over, failed or cancelled: the secret is not needed again
        changed = {**secret_removal(message, now), **changed}
    if error:
        changed["last_error"] = error
    old = message.status
    changed["status"] = status
    for name, value in changed.items():
        setattr(message, name, value)
    message.save(update_fields=list(changed))
    if old != status:
        details = {"provider": message.provider, **({"error": error} if error else {})}
        details.update(data or {})
        _log(message, f"message.{status}", actor=actor, old=old, new=status, data=details)
    return message


def change_message_status(
    message: Message,
    status: str,
    *,
    actor: Actor = None,
    error: str = "",
    data: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Message:
    """Move a message to `status` (no-op when unchanged): stamps times, writes the Activity rows."""
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if locked.status == status:
            return locked
        return _move(locked, status, actor=actor, now=_now(now), error=error, data=data)


# --- staff actions --------------------------------------------------------------------------


def resend_message(message: Message, *, actor: Actor, now: dt.datetime | None = None) -> Message:
    """Send a failed message again as a new message (new idempotency key) linked to the original."""
    if not message.can_resend():
        raise NotResendableError(f"Message {message.pk} is {message.status}; it cannot be resent.")
    now = _now(now)
    with transaction.atomic():
        record = _record_of(message)
        resend = queue_message(
            channel=message.channel,
            recipient=message.recipient,
            body=message.body,
            kind=message.kind,
            language=message.language,
            subject=message.subject,
            event=message.event,
            template=message.template,
            record=record,
            provider_template=message.provider_template,
            template_provider=message.template_provider,
            provider_params=message.provider_params,
            idempotency_key=f"resend:{message.pk}:{uuid.uuid4().hex}",
            resent_from=message,
            actor=actor,
            now=now,
        )
        record_activity(message, "message.resent", actor=actor, data={"resend": resend.pk})
    return resend


def opt_out_recipient(
    recipient: str, *, channel: str, actor: Actor, reason: str = "", now: dt.datetime | None = None
) -> OptOut:
    """Record that a recipient refuses optional messages on a channel (idempotent)."""
    address = normalise_recipient(channel, recipient)
    with transaction.atomic():
        opt_out, created = OptOut.objects.get_or_create(
            recipient=address,
            channel=channel,
            defaults={
                "reason": reason,
                "created_at": _now(now),
                "created_by": actor if getattr(actor, "is_authenticated", False) else None,
            },
        )
        if created:
            record_activity(opt_out, "optout.created", actor=actor, new={"reason": reason})
    return opt_out


def opt_in_recipient(recipient: str, *, channel: str, actor: Actor) -> bool:
    """Remove a recipient's opt-out on a channel; False when there was none."""
    address = normalise_recipient(channel, recipient)
    with transaction.atomic():
        opt_out = OptOut.objects.select_for_update().filter(recipient=address, channel=channel)
        found = opt_out.first()
        if found is None:
            return False
        record_activity(found, "optout.deleted", actor=actor, old={"reason": found.reason})
        found.delete()
    return True


def save_message_template(template: MessageTemplate, *, actor: Actor) -> MessageTemplate:
    """Validate and save a template (create or change), with its Activity row."""
    template.full_clean()
    old = None
    if template.pk:
        previous = MessageTemplate.objects.filter(pk=template.pk).values("subject", "body").first()
        old = previous
    with transaction.atomic():
        template.save()
        new = {"subject": template.subject, "body": template.body}
        verb = "template.changed" if old else "template.created"
        record_activity(template, verb, actor=actor, old=old, new=new)
    return template
