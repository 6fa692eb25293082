"""Secrets in messages: a login code or a private link is kept only until the final delivery attempt.

A caller marks a context value as secret by wrapping it: `notify(..., context={"code":
Secret(code)})`. The message then carries its text twice: `body` (what the provider gets) and
`masked_body` (the same template rendered with SECRET_MASK for each secret). Staff only ever see the
masked text; once the provider took the message, or it failed, or the secret window ended, the
masked text replaces the real one and the secret values are dropped (services.retention).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

#: What a secret value reads as wherever the message is shown or kept.
SECRET_MASK = "••••••"  # noqa: S105 - the mask, not a password


class Secret(str):
    """A context value that must not be kept: a one-time code, a link holding a token."""

    __slots__ = ()


def secret_names(context: Mapping[str, object]) -> set[str]:
    """The names of the context values marked secret."""
    return {name for name, value in context.items() if isinstance(value, Secret)}


def masked_context(context: Mapping[str, object]) -> dict[str, object]:
    """The context with each secret value replaced by the mask."""
    return {
        name: SECRET_MASK if isinstance(value, Secret) else value for name, value in context.items()
    }


def scrub(text: str, values: Iterable[str]) -> str:
    """`text` with every occurrence of the secret values masked (for errors a provider echoes)."""
    for value in values:
        if value:
            text = text.replace(value, SECRET_MASK)
    return text
