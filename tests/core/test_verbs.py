"""Every Activity verb has one style, and timelines read labels from the one registry."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from khedmat.core.verbs import VERB_PATTERN, register_verbs, registered_verbs, verb_label

PACKAGE = Path(__file__).resolve().parents[2] / "khedmat"


def _written_verbs() -> dict[str, str]:
    """The constant verbs of every record_activity(target, "verb", ...) call in the code."""
    verbs: dict[str, str] = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            verb = node.args[1]
            if name == "record_activity" and isinstance(verb, ast.Constant):
                verbs[str(verb.value)] = f"{path.relative_to(PACKAGE)}:{node.lineno}"
    return verbs


def test_every_written_verb_is_noun_dot_what_happened() -> None:
    verbs = _written_verbs()
    assert len(verbs) > 40  # the scan reads the calls (a broken scan would pass on nothing)
    odd = {verb: where for verb, where in verbs.items() if not VERB_PATTERN.match(verb)}
    assert odd == {}


def test_the_apps_register_the_labels_their_timelines_show() -> None:
    registered = registered_verbs()
    for verb in (
        "ticket.submitted",
        "process.failed",
        "message.delivered",
        "complaint.filed",
        "letter.registered",
    ):
        assert verb in registered
    with translation.override("en"):
        assert verb_label("ticket.submitted") == "Request submitted"
    assert verb_label("no.such_verb") == "no.such_verb"


def test_a_verb_of_another_style_or_a_second_label_is_refused() -> None:
    with pytest.raises(ValueError, match="not <noun>"):
        register_verbs({"article_created": _("Article created")})
    with pytest.raises(ValueError, match="another label"):
        register_verbs({"ticket.submitted": _("Something else")})
