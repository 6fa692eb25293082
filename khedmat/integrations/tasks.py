"""Background entry points of the integrations app: each loads by id and calls one service."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def run_inquiry_task(inquiry_id: int, parameters: dict[str, Any]) -> str:
    """Run one queued inquiry; a provider outage raises a retryable error (the worker backs off)."""
    from khedmat.integrations import services
    from khedmat.integrations.models import InquiryRequest

    inquiry = InquiryRequest.objects.filter(pk=inquiry_id).first()
    if inquiry is None:
        return "missing"
    return str(services.perform_inquiry_request(inquiry, parameters).status)


@task()
def poll_letter_task(letter_id: int) -> str:
    """Ask the office automation where one letter stands."""
    from khedmat.integrations import services
    from khedmat.integrations.models import OfficeLetter

    letter = OfficeLetter.objects.filter(pk=letter_id).first()
    if letter is None:
        return "missing"
    return str(services.poll_letter(letter).status)
