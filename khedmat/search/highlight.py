"""Highlights on the original text: matched words in <mark>, found through the search key."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from khedmat.core.text import normalize_for_search
from khedmat.search.keys import query_words


def _normalised_with_map(text: str) -> tuple[str, list[int]]:
    """The text normalised character by character, and for each key character its source index."""
    pieces: list[str] = []
    origins: list[int] = []
    for index, char in enumerate(text):
        piece = " " if char.isspace() else normalize_for_search(char)
        pieces.append(piece)
        origins.extend([index] * len(piece))
    return "".join(pieces), origins


def _is_word_char(char: str) -> bool:
    return char.isalnum()


def _matched_spans(text: str, words: list[str]) -> list[tuple[int, int]]:
    """Spans of the original text whose words start with one of `words` (once normalised)."""
    key, origins = _normalised_with_map(text)
    spans: list[tuple[int, int]] = []
    for word in words:
        start = key.find(word)
        while start != -1:
            if start == 0 or not _is_word_char(key[start - 1]):
                end = start + len(word)
                while end < len(key) and _is_word_char(key[end]):
                    end += 1
                source_end = origins[end - 1] + 1
                # keep marks, tatweel and joiners that trail the last letter inside the word
                while source_end < len(text) and normalize_for_search(text[source_end]) == "":
                    if text[source_end].isspace():
                        break
                    source_end += 1
                spans.append((origins[start], source_end))
            start = key.find(word, start + 1)
    return _merged(spans)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, query: str) -> SafeString:
    """`text` escaped, with the words matching `query` wrapped in <mark> (original characters)."""
    words, compact = query_words(query)
    if compact:
        words = [*words, compact]
    spans = _matched_spans(text, words) if words else []
    parts: list[str] = []
    position = 0
    for start, end in spans:
        parts.append(escape(text[position:start]))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308  (every piece is escaped above)
