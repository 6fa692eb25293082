"""The registry of Activity verbs and their translated labels: one name style, one label each.

A verb is `<noun>.<what happened>` in snake case (`ticket.submitted`, `article.status_changed`).
The app that writes a verb registers its label from its ``AppConfig.ready()``::

    from khedmat.core.verbs import register_verbs

    register_verbs({"ticket.submitted": _("Request submitted")})

Timelines, the outbox and the audit pages read labels with `verb_label(verb)`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.utils.functional import Promise

#: The one style of a verb: a noun, a dot, what happened (more dots allowed), all snake case.
VERB_PATTERN = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")

_labels: dict[str, Promise] = {}


def register_verbs(labels: Mapping[str, Promise]) -> None:
    """Register verbs with their labels; a verb of another style or a second label is refused."""
    for verb, label in labels.items():
        if not VERB_PATTERN.match(verb):
            raise ValueError(f"Activity verb {verb!r} is not <noun>.<what_happened>")
        if verb in _labels and str(_labels[verb]) != str(label):
            raise ValueError(f"Activity verb {verb!r} already has another label")
        _labels[verb] = label


def verb_label(verb: str) -> str:
    """The translated label of `verb` (the verb itself when no app registered one)."""
    label = _labels.get(verb)
    return str(label) if label is not None else verb


def registered_verbs() -> dict[str, Promise]:
    """Every registered verb and its label."""
    return dict(_labels)
