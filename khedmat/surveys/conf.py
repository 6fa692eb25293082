"""The surveys' settings: read from Django settings when set there, else from the environment.

Documented in .env.example: KHEDMAT_SURVEY_LOOKBACK_DAYS, KHEDMAT_SURVEY_REMINDER_DAYS,
KHEDMAT_SURVEY_EXPIRY_DAYS, KHEDMAT_SURVEY_FOLLOW_UP_SCORE, KHEDMAT_SURVEY_MAX_FAILURES_PER_IP,
KHEDMAT_SURVEY_WINDOW_SECONDS.
"""

from __future__ import annotations

from django.conf import settings

from khedmat.config import env_int

DEFAULTS: dict[str, tuple[int, int]] = {
    # name: (default, minimum)
    "KHEDMAT_SURVEY_LOOKBACK_DAYS": (7, 1),
    "KHEDMAT_SURVEY_REMINDER_DAYS": (3, 1),
    "KHEDMAT_SURVEY_EXPIRY_DAYS": (14, 1),
    "KHEDMAT_SURVEY_FOLLOW_UP_SCORE": (2, 1),
    "KHEDMAT_SURVEY_MAX_FAILURES_PER_IP": (20, 1),
    "KHEDMAT_SURVEY_WINDOW_SECONDS": (15 * 60, 60),
}


def setting(name: str) -> int:
    """The value of one KHEDMAT_SURVEY_* setting (Django settings win over the environment)."""
    default, minimum = DEFAULTS[name]
    value = getattr(settings, name, None)
    if value is None:
        return env_int(name, default, minimum=minimum)
    return int(value)
