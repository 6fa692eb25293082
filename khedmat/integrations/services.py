"""Run inquiries (cache, circuit breaker, log), queue them for a record, and keep letters (R-19/20)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from khedmat.core.services import record_activity
from khedmat.integrations.choices import (
    INQUIRY_TRANSITIONS,
    LETTER_TRANSITIONS,
    InquiryOutcome,
    InquiryRequestStatus,
    LetterProvider,
    LetterStatus,
)
from khedmat.integrations.errors import (
    IllegalStatusChangeError,
    IntegrationError,
    LetterNumberError,
    ParametersMismatchError,
)
from khedmat.integrations.inquiries import breaker, registry
from khedmat.integrations.inquiries.base import (
    CircuitOpenError,
    InquiryRejected,
    InquiryResult,
    InquiryUnavailable,
)
from khedmat.integrations.models import InquiryLog, InquiryRequest, OfficeLetter
from khedmat.integrations.office.registry import get_office_provider
from khedmat.jobs.errors import PermanentError

RESULT_KEY = "khedmat:integrations:inquiry:{provider}:{kind}:{hash}"


# --- Inquiries --------------------------------------------------------------------------------
def parameters_hash(kind: str, parameters: dict[str, Any]) -> str:
    """HMAC-SHA256 (keyed by SECRET_KEY) of the kind and parameters: national codes never stored.

    Keyed, because a plain SHA-256 of a 10-digit national code is reversed by trying them all.
    """
    canonical = json.dumps(
        {"kind": kind, "parameters": parameters}, sort_keys=True, ensure_ascii=False
    )
    return hmac.new(
        settings.SECRET_KEY.encode(), canonical.encode("utf-8"), hashlib.sha256
    ).hexdigest()


def _record_of(row: InquiryRequest | OfficeLetter) -> models.Model:
    """The record a queued inquiry or a letter belongs to (IntegrationError when it is gone)."""
    record = row.record
    if not isinstance(record, models.Model):
        raise IntegrationError(f"{type(row).__name__} {row.pk}: its record no longer exists")
    return record


def _record_fields(record: models.Model | None) -> dict[str, Any]:
    if record is None:
        return {"record_type": None, "record_id": ""}
    content_type = ContentType.objects.get_for_model(record, for_concrete_model=False)
    return {"record_type": content_type, "record_id": str(record.pk)}


@dataclass(frozen=True)
class _InquiryCall:
    """What every log row of one run_inquiry call shares."""

    provider: str
    kind: str
    digest: str
    request_id: str
    record: models.Model | None

    def log(
        self, outcome: InquiryOutcome, *, started: float | None = None, error: object = ""
    ) -> InquiryLog:
        """Write the InquiryLog row of this call (latency from `started`, a monotonic time)."""
        latency = 0 if started is None else round((time.monotonic() - started) * 1000)
        return InquiryLog.objects.create(
            request_id=self.request_id,
            provider=self.provider,
            kind=self.kind,
            parameters_hash=self.digest,
            latency_ms=latency,
            outcome=outcome,
            error=str(error)[:2000],
            **_record_fields(self.record),
        )


def run_inquiry(
    kind: str,
    parameters: dict[str, Any],
    *,
    request_id: str,
    record: models.Model | None = None,
) -> InquiryResult:
    """Answer an inquiry from the cache or the kind's provider, behind its circuit breaker.

    Every call leaves one InquiryLog row. Raises InquiryUnavailable (retryable; CircuitOpenError
    when the call was skipped) or InquiryRejected (permanent).
    """
    provider_name = registry.provider_name_for(kind)
    digest = parameters_hash(kind, parameters)
    call = _InquiryCall(provider_name, kind, digest, request_id, record)
    key = RESULT_KEY.format(provider=provider_name, kind=kind, hash=digest)
    cached = cache.get(key)
    if isinstance(cached, dict):
        call.log(InquiryOutcome.CACHED)
        return InquiryResult(
            InquiryOutcome(cached["outcome"]), cached["data"], provider=provider_name, cached=True
        )
    if not breaker.allow_call(provider_name):
        error = CircuitOpenError(
            f"{provider_name}: circuit open", retry_after=breaker.seconds_until_probe(provider_name)
        )
        call.log(InquiryOutcome.CIRCUIT_OPEN, error=error)
        raise error
    provider = registry.get_provider(provider_name)
    started = time.monotonic()
    try:
        result = provider.inquire(kind, parameters, request_id=request_id)
    except InquiryUnavailable as error:
        breaker.record_failure(provider_name)
        call.log(InquiryOutcome.UNAVAILABLE, started=started, error=error)
        raise
    except InquiryRejected as error:
        breaker.record_success(provider_name)  # it answered: the provider is up
        call.log(InquiryOutcome.REJECTED, started=started, error=error)
        raise
    breaker.record_success(provider_name)
    call.log(result.outcome, started=started)
    ttl = registry.cache_seconds(kind)
    if ttl > 0:
        cache.set(key, {"outcome": str(result.outcome), "data": result.data}, timeout=ttl)
    return result


def open_inquiry(
    record: models.Model, kind: str, parameters: dict[str, Any], *, actor: Any
) -> InquiryRequest:
    """The row and Activity of an inquiry for a record, for a caller whose own job runs it
    (perform_inquiry_request) and acts on the answer. ConfigError for an unconfigured kind."""
    registry.provider_name_for(kind)  # refuse an unconfigured kind now, not in the worker
    with transaction.atomic():
        inquiry = InquiryRequest.objects.create(
            kind=kind, parameters_hash=parameters_hash(kind, parameters), **_record_fields(record)
        )
        record_activity(
            record, "inquiry.requested", actor=actor, data={"kind": kind, "inquiry": inquiry.pk}
        )
    return inquiry


def request_inquiry(
    record: models.Model, kind: str, parameters: dict[str, Any], *, actor: Any
) -> InquiryRequest:
    """Queue an inquiry for a record: the row, its Activity and its job, in one transaction."""
    from khedmat.integrations.tasks import run_inquiry_task

    with transaction.atomic():
        inquiry = open_inquiry(record, kind, parameters, actor=actor)
        run_inquiry_task.enqueue(inquiry.pk, parameters)
    return inquiry


def abandon_inquiry(inquiry: InquiryRequest, *, reason: str) -> InquiryRequest:
    """Give up an inquiry that is no longer wanted (its record changed): failed, with the reason."""
    if inquiry.status in (InquiryRequestStatus.DONE, InquiryRequestStatus.FAILED):
        return inquiry
    return _change_inquiry_status(inquiry, InquiryRequestStatus.FAILED, error=reason)


def _change_inquiry_status(
    inquiry: InquiryRequest, status: InquiryRequestStatus, **fields: Any
) -> InquiryRequest:
    """Move an inquiry request along INQUIRY_TRANSITIONS; the record's Activity when it settles."""
    old = inquiry.status
    if status != old and status not in INQUIRY_TRANSITIONS[old]:
        raise IllegalStatusChangeError(f"{old} -> {status}")
    with transaction.atomic():
        for name, value in fields.items():
            setattr(inquiry, name, value)
        inquiry.status = status
        inquiry.save(update_fields=["status", "updated_at", *fields])
        if status != old and status != InquiryRequestStatus.WAITING:
            record_activity(
                _record_of(inquiry),
                f"inquiry.{status}",
                old=old,
                new=str(status),
                data={"kind": inquiry.kind, "inquiry": inquiry.pk},
            )
    return inquiry


def perform_inquiry_request(inquiry: InquiryRequest, parameters: dict[str, Any]) -> InquiryRequest:
    """One attempt at a queued inquiry: done, waiting (re-raises for a retry) or failed."""
    if inquiry.status in (InquiryRequestStatus.DONE, InquiryRequestStatus.FAILED):
        return inquiry
    if not hmac.compare_digest(parameters_hash(inquiry.kind, parameters), inquiry.parameters_hash):
        raise ParametersMismatchError(f"inquiry {inquiry.pk}: parameters do not match")
    attempts = inquiry.attempts + 1
    InquiryRequest.objects.filter(pk=inquiry.pk).update(attempts=attempts)
    inquiry.attempts = attempts
    try:
        result = run_inquiry(
            inquiry.kind, parameters, request_id=inquiry.request_id, record=_record_of(inquiry)
        )
    except InquiryUnavailable as error:
        max_attempts = int(getattr(settings, "KHEDMAT_TASK_MAX_ATTEMPTS", 6))
        if attempts >= max_attempts:
            _change_inquiry_status(inquiry, InquiryRequestStatus.FAILED, error=str(error))
            raise PermanentError(str(error)) from error
        _change_inquiry_status(inquiry, InquiryRequestStatus.WAITING, error=str(error))
        raise
    except InquiryRejected as error:
        _change_inquiry_status(inquiry, InquiryRequestStatus.FAILED, error=str(error))
        raise
    answer = {"outcome": str(result.outcome), "data": result.data}
    return _change_inquiry_status(inquiry, InquiryRequestStatus.DONE, result=answer, error="")


# --- Office automation (R-19) -------------------------------------------------------------------
def _create_letter(
    record: models.Model,
    *,
    provider: LetterProvider,
    number: str,
    date: dt.date,
    subject: str,
    status: LetterStatus,
    actor: Any,
    reference: str = "",
) -> OfficeLetter:
    with transaction.atomic():
        letter = OfficeLetter.objects.create(
            provider=provider,
            letter_number=number,
            letter_date=date,
            subject=subject[:200],
            reference=reference,
            status=status,
            last_checked_at=timezone.now() if provider == LetterProvider.REST else None,
            **_record_fields(record),
        )
        record_activity(
            record,
            "letter.registered",
            actor=actor,
            new=number,
            data={"letter": letter.pk, "date": date.isoformat(), "provider": str(provider)},
            public=True,
        )
    return letter


def letter_reference(record: models.Model, purpose: str) -> str:
    """Our reference of one letter of a record: the same on every retry of its registration."""
    return f"{record._meta.label_lower}:{record.pk}:{purpose}"[:100]


def register_letter(
    record: models.Model, subject: str, body: str, *, actor: Any, reference: str
) -> OfficeLetter:
    """Register a letter for a record in the office automation and keep its number and date.

    `reference` names this letter (`letter_reference`); a registration retried with it returns
    the letter kept already, and the office automation answers a reference it knows with that
    letter, so a job that died after the office answered and before we committed registers no
    second letter. Calls out: run it from a job. Raises OfficeAutomationUnavailable (retry) or
    ...Rejected.
    """
    kept = OfficeLetter.objects.filter(reference=reference).first()
    if kept is not None:
        return kept
    provider = get_office_provider()
    receipt = provider.create_letter(subject, body, reference=reference)
    return _create_letter(
        record,
        provider=LetterProvider.REST,
        number=receipt.number,
        date=receipt.date,
        subject=subject,
        status=receipt.status,
        actor=actor,
        reference=reference,
    )


def record_manual_letter(
    record: models.Model, number: str, date: dt.date, *, actor: Any, subject: str = ""
) -> OfficeLetter:
    """An operator types in the number and date of a letter registered by hand. A number
    recorded already, or longer than the field, is refused with LetterNumberError (nothing
    written)."""
    number = number.strip()
    longest = OfficeLetter._meta.get_field("letter_number").max_length or 20
    if len(number) > longest:
        raise LetterNumberError(
            _("A letter number has at most %(count)d characters.") % {"count": longest}
        )
    try:
        return _create_letter(
            record,
            provider=LetterProvider.MANUAL,
            number=number,
            date=date,
            subject=subject,
            status=LetterStatus.REGISTERED,
            actor=actor,
        )
    except IntegrityError:  # the same number from the same provider: the unique constraint
        raise LetterNumberError() from None


def change_letter_status(
    letter: OfficeLetter, status: LetterStatus, *, actor: Any = None
) -> OfficeLetter:
    """Move a letter along LETTER_TRANSITIONS with the record's public Activity row."""
    old = letter.status
    if status == old:
        return letter
    if status not in LETTER_TRANSITIONS[old]:
        raise IllegalStatusChangeError(f"{old} -> {status}")
    with transaction.atomic():
        letter.status = status
        letter.save(update_fields=["status"])
        record_activity(
            _record_of(letter),
            "letter.status_changed",
            actor=actor,
            old=old,
            new=str(status),
            data={"letter": letter.pk, "number": letter.letter_number},
            public=True,
        )
    return letter


def poll_letter(letter: OfficeLetter) -> OfficeLetter:
    """Ask the office automation where a letter stands; record a move (calls out: run from a job)."""
    if not letter.can_poll():
        return letter
    status = get_office_provider().letter_status(letter.letter_number)
    letter.last_checked_at = timezone.now()
    letter.save(update_fields=["last_checked_at"])
    return change_letter_status(letter, status)
