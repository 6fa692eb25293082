"""Search keys as word tokens: the core normaliser, then one space between words (R-35, §6)."""

from __future__ import annotations

import re

from khedmat.core.text import normalize_for_search, search_variants

# A word of a key: letters and digits of any script (no underscore, no punctuation).
WORD = re.compile(r"[^\W_]+")


def document_key(*texts: str) -> str:
    """The search key of a document's texts: normalised words separated by single spaces."""
    return " ".join(WORD.findall(normalize_for_search(" ".join(t for t in texts if t))))


def query_words(query: str) -> tuple[list[str], str | None]:
    """The words of a query and, for a short query of several words, the words run together."""
    variants = search_variants(query)
    if not variants:
        return [], None
    words = WORD.findall(variants[0])
    compact = "".join(words) if len(variants) > 1 and len(words) > 1 else None
    return words, compact
