"""What a service task's job does, by kind: an SMS, an inquiry, a letter (DESIGN.md §3 Wait).

Each runs in a job, outside any request: the network call first, then one transaction that
completes the task (`services.finish_service_call`). A provider that does not answer leaves the
call waiting and the request "waiting for another agency" while the worker retries; a refusal or
the last attempt marks the call failed for staff to see and retry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import timezone

from khedmat.config import ConfigError
from khedmat.integrations import services as integrations
from khedmat.integrations.models import OfficeLetter
from khedmat.integrations.office.registry import office_provider_name
from khedmat.jobs.errors import PermanentError, RetryableError
from khedmat.notifications.choices import Channel
from khedmat.processes import services
from khedmat.processes.choices import ServiceCallStatus, ServiceKind
from khedmat.processes.errors import ActionNotAllowedError
from khedmat.processes.models import ServiceCall
from khedmat.tickets import services as ticket_services

#: What a handler returns: the result kept on the call and the data the diagram reads.
Outcome = tuple[dict[str, Any], dict[str, Any]]


class WaitForPerson(Exception):
    """The call cannot be done by a job (manual office automation): it waits for staff."""


def run_service_call(call_id: int) -> str:
    """Do one service call's work and finish its task; raise RetryableError to be tried again."""
    call = ServiceCall.objects.select_related("ticket").filter(pk=call_id).first()
    if call is None or not call.is_open:
        return "missing" if call is None else str(call.status)
    handler = HANDLERS.get(call.kind)
    if handler is None:
        services.service_call_failed(call, error=f"unknown service kind {call.kind!r}")
        return str(ServiceCallStatus.FAILED)
    attempts = call.attempts + 1
    ServiceCall.objects.filter(pk=call.pk).update(attempts=attempts)
    try:
        result, data = handler(call)
    except WaitForPerson as error:
        services.service_call_waiting(call, error=str(error))
        return str(ServiceCallStatus.WAITING)
    except RetryableError as error:
        if attempts >= int(getattr(settings, "KHEDMAT_TASK_MAX_ATTEMPTS", 6)):
            services.service_call_failed(call, error=str(error))
            raise PermanentError(str(error)) from error
        services.service_call_waiting(call, error=str(error))
        raise
    except (PermanentError, ConfigError) as error:
        services.service_call_failed(call, error=str(error))
        return str(ServiceCallStatus.FAILED)
    return str(services.finish_service_call(call, result=result, data=data).status)


def _send_message(call: ServiceCall) -> Outcome:
    """khedmat:template names the message template (default stage_changed); an applicant with
    no mobile (SMS) or email address (email) is skipped, and the result says so."""
    ticket = call.ticket
    event = call.params.get("template") or "stage_changed"
    channel = Channel.EMAIL if call.kind == ServiceKind.EMAIL else Channel.SMS
    extra = {"stage": call.params["stage"]} if call.params.get("stage") else {}
    sent = ticket_services.tell_applicant(
        ticket, event, key=f"call:{call.pk}", channel=channel, **extra
    )
    return {"event": event, "channel": str(channel), "sent": sent}, {}


def _inquire(call: ServiceCall) -> Outcome:
    """khedmat:inquiry is the kind (identity…); khedmat:field the answer to send (national code).

    The diagram reads `<khedmat:result or "inquiry">_found` and `…_data`.
    """
    ticket = call.ticket
    kind = call.params["inquiry"]
    field = call.params.get("field") or ""
    value = ticket.answers.get(field) if field else ticket.principal_national_code
    parameter = call.params.get("parameter") or "national_code"
    answer = integrations.run_inquiry(
        kind,
        {parameter: str(value or "")},
        request_id=f"khedmat-call-{call.pk}",
        record=ticket,
    )
    prefix = call.params.get("result") or "inquiry"
    result = {"outcome": str(answer.outcome), "data": answer.data}
    return result, {f"{prefix}_found": answer.found, f"{prefix}_data": answer.data}


def _register_letter(call: ServiceCall) -> Outcome:
    """khedmat:subject is the letter's subject ({code} is the tracking code)."""
    ticket = call.ticket
    if office_provider_name() != "rest":
        raise WaitForPerson("the office automation is manual: enter the letter's number")
    subject = (call.params.get("subject") or "{code}").replace("{code}", ticket.tracking_code)
    body = call.params.get("body") or subject
    reference = integrations.letter_reference(ticket, f"call-{call.pk}")
    letter = integrations.register_letter(ticket, subject, body, actor=None, reference=reference)
    return _letter_outcome(letter)


def _letter_outcome(letter: OfficeLetter) -> Outcome:
    result = {
        "letter": letter.pk,
        "number": letter.letter_number,
        "date": letter.letter_date.isoformat(),
    }
    return result, {"letter_number": letter.letter_number}


def record_letter_by_hand(call: ServiceCall, *, number: str, date: Any, actor: Any) -> ServiceCall:
    """Staff type in the number of a letter registered by hand; the waiting task finishes."""
    if call.kind != ServiceKind.LETTER or not call.is_open:
        raise ActionNotAllowedError()
    letter = integrations.record_manual_letter(
        call.ticket, number, date or timezone.localdate(), actor=actor, subject=call.title
    )
    result, data = _letter_outcome(letter)
    return services.finish_service_call(call, result=result, data=data)


HANDLERS: dict[str, Callable[[ServiceCall], Outcome]] = {
    ServiceKind.SMS: _send_message,
    ServiceKind.EMAIL: _send_message,
    ServiceKind.INQUIRY: _inquire,
    ServiceKind.LETTER: _register_letter,
}
