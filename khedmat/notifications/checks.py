"""System checks: a bad quiet-hours setting stops every command, not the first message at night."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from khedmat.notifications.rules import configured_quiet_hours


def check_message_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """KHEDMAT_QUIET_HOURS and its time zone must parse."""
    try:
        configured_quiet_hours()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="notifications.E001")]
    return []
