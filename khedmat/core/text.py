"""Search keys for Persian and Arabic text (requirements §6): fold letters, drop marks."""

from __future__ import annotations

import re
import unicodedata

from khedmat.core.digits import (
    ARABIC_DECIMAL_SEPARATOR,
    ARABIC_INDIC_DIGITS,
    ARABIC_THOUSANDS_SEPARATOR,
    ASCII_DIGITS,
    PERSIAN_DIGITS,
)

# Queries up to this many characters (after normalisation) are also tried without spaces (§6.3).
SHORT_QUERY_MAX_LENGTH = 40

_LETTER_FOLDS = {
    "ي": "ی",  # U+064A Arabic yeh
    "ى": "ی",  # U+0649 alef maksura
    "ئ": "ی",  # U+0626 yeh with hamza (loose key)
    "ك": "ک",  # U+0643 Arabic kaf
    "ۀ": "ه",  # U+06C0 heh with yeh above
    "ة": "ه",  # U+0629 teh marbuta
    "أ": "ا",  # U+0623 alef with hamza above
    "إ": "ا",  # U+0625 alef with hamza below
    "ٱ": "ا",  # U+0671 alef wasla
    "ؤ": "و",  # U+0624 waw with hamza (loose key)
}

_REMOVED = (
    [chr(code) for code in range(0x064B, 0x0660)]  # harakat, tanwin, shadda, sukun, hamza marks
    + ["\u0670", "\u0640"]  # superscript alef, tatweel
    + ["\u200c", "\u200d", "\u200e", "\u200f", "\ufeff", "\u00ad"]  # ZWNJ ZWJ LRM RLM BOM SHY
)

_SEARCH_TABLE: dict[int, str | None] = {
    **{ord(source): target for source, target in _LETTER_FOLDS.items()},
    **{ord(char): None for char in _REMOVED},
    **{ord(char): latin for char, latin in zip(PERSIAN_DIGITS, ASCII_DIGITS, strict=True)},
    **{ord(char): latin for char, latin in zip(ARABIC_INDIC_DIGITS, ASCII_DIGITS, strict=True)},
    ord(ARABIC_DECIMAL_SEPARATOR): ".",
    ord(ARABIC_THOUSANDS_SEPARATOR): ",",
}

_WHITESPACE = re.compile(r"\s+")


def normalize_for_search(text: str) -> str:
    """The search key of a text: letters folded, marks and invisibles removed, ASCII digits."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_SEARCH_TABLE)
    return _WHITESPACE.sub(" ", text).strip().casefold()


def search_variants(text: str) -> list[str]:
    """Distinct non-empty search keys to try for a query: the key, and without spaces if short."""
    key = normalize_for_search(text)
    if not key:
        return []
    variants = [key]
    if " " in key and len(key) <= SHORT_QUERY_MAX_LENGTH:
        variants.append(key.replace(" ", ""))
    return variants
