"""Template context every page needs: language, direction, the other languages."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation


def locale(request: HttpRequest) -> dict[str, object]:
    language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    return {
        "LANG": language,
        "DIR": "rtl" if translation.get_language_bidi() else "ltr",
        "LANGUAGE_CHOICES": [(code, name) for code, name in settings.LANGUAGES],
    }
