"""Text kept in several languages on one row (`title_fa`, `title_ar`, `title_en`): read it in one.

The one fallback of the project: the wanted language (the active one by default), then Persian,
Arabic and English, the first that is filled in. Cards, articles, survey questions, holidays and
scopes all read their texts through it.
"""

from __future__ import annotations

from django.utils import translation

#: The languages rows keep text in, in fallback order (Persian first: it is always filled in).
TEXT_LANGUAGES = ("fa", "ar", "en")
FALLBACK_LANGUAGE = TEXT_LANGUAGES[0]


def active_text_language() -> str:
    """The active language if rows keep text in it, else Persian."""
    language = (translation.get_language() or FALLBACK_LANGUAGE)[:2]
    return language if language in TEXT_LANGUAGES else FALLBACK_LANGUAGE


def translated_text(instance: object, prefix: str, language: str | None = None) -> str:
    """`<prefix>_<language>` (the active language by default), else the first filled-in of
    `<prefix>_fa`, `_ar`, `_en`; "" when none is."""
    wanted = language or active_text_language()
    for code in (wanted, *TEXT_LANGUAGES):
        text = getattr(instance, f"{prefix}_{code}", "") or ""
        if text:
            return str(text)
    return ""
