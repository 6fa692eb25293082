"""Read survey links out of the queued SMS, as the applicant would."""

from __future__ import annotations

import re

from khedmat.core.digits import fold_digits
from khedmat.notifications.models import Message

LINK = re.compile(r"https?://\S+/survey/([A-Za-z0-9_\-]+)/")


def survey_tokens() -> list[str]:
    """The tokens of every survey SMS queued so far, oldest first."""
    bodies = (
        Message.objects.filter(event="survey_invitation")
        .order_by("id")
        .values_list("body", flat=True)
    )
    return [match.group(1) for body in bodies for match in LINK.finditer(fold_digits(body))]


def token_in(text: str) -> str:
    match = LINK.search(fold_digits(text))
    assert match is not None, text
    return match.group(1)
