"""System checks: a bad quiet-hours setting stops every command, not the first message at night;
so does a development SMS backend outside debug."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from khedmat.notifications.providers.base import LocalSmsBackend
from khedmat.notifications.providers.registry import BACKEND_CLASSES, providers_for
from khedmat.notifications.rules import configured_quiet_hours


def check_message_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """KHEDMAT_QUIET_HOURS and its time zone must parse."""
    try:
        configured_quiet_hours()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="notifications.E001")]
    return []


def local_sms_providers() -> list[str]:
    """Configured SMS providers that only write messages on this host (console, file)."""
    names = dict.fromkeys([*providers_for("transactional"), *providers_for("otp")])
    return [
        name
        for name in names
        if isinstance(BACKEND_CLASSES.get(name), type)
        and issubclass(BACKEND_CLASSES[name], LocalSmsBackend)
    ]


def check_sms_providers(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Outside debug, refuse the console and file backends unless they are explicitly allowed:
    they write every login code to the log or a file and report each message delivered."""
    if settings.DEBUG or settings.KHEDMAT_SMS_ALLOW_LOCAL_BACKENDS:
        return []
    local = local_sms_providers()
    if not local:
        return []
    return [
        checks.Error(
            f"The SMS provider(s) {', '.join(local)} only write messages on this server (login "
            "codes included) and never send them, yet KHEDMAT_DEBUG is off.",
            hint=(
                "Set KHEDMAT_SMS_PROVIDERS and KHEDMAT_SMS_OTP_PROVIDERS (or KHEDMAT_SMS_BACKEND) "
                "to a real provider, or set KHEDMAT_SMS_ALLOW_LOCAL_BACKENDS=1 for a demo."
            ),
            id="notifications.E002",
        )
    ]
