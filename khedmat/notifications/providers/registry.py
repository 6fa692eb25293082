"""Build configured SMS backends from settings.KHEDMAT_SMS, and list them per message kind."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from django.conf import settings

from khedmat.config import ConfigError
from khedmat.notifications.providers.base import DeliveryStatus, SmsBackend
from khedmat.notifications.providers.console import ConsoleBackend
from khedmat.notifications.providers.file import FileBackend
from khedmat.notifications.providers.ghasedak import GhasedakBackend, ghasedak_status
from khedmat.notifications.providers.ippanel import IppanelBackend, ippanel_recipient_status
from khedmat.notifications.providers.kavenegar import KavenegarBackend, kavenegar_status
from khedmat.notifications.providers.magfa import MagfaBackend, magfa_status
from khedmat.notifications.providers.smsir import SmsirBackend, smsir_status

BACKEND_CLASSES: dict[str, type[SmsBackend]] = {
    "kavenegar": KavenegarBackend,
    "ghasedak": GhasedakBackend,
    "ippanel": IppanelBackend,
    "magfa": MagfaBackend,
    "smsir": SmsirBackend,
    "console": ConsoleBackend,
    "file": FileBackend,
}

#: Each provider's per-message status code (as polled or pushed) to the common enum.
STATUS_MAPPERS: dict[str, Callable[[object], DeliveryStatus]] = {
    "kavenegar": kavenegar_status,
    "ghasedak": ghasedak_status,
    "ippanel": ippanel_recipient_status,
    "magfa": magfa_status,
    "smsir": smsir_status,
}

#: Message kinds and the KHEDMAT_SMS key that lists their providers in failover order.
KIND_SETTINGS = {"transactional": "providers", "otp": "otp_providers"}


def _sms_settings() -> dict[str, Any]:
    value = getattr(settings, "KHEDMAT_SMS", None)
    if not isinstance(value, dict):
        backend = getattr(settings, "KHEDMAT_SMS_BACKEND", "console") or "console"
        return {"providers": [backend], "otp_providers": [backend], "config": {}}
    return value


def _accepted(cls: type[SmsBackend], config: dict[str, Any]) -> dict[str, Any]:
    parameters = inspect.signature(cls.__init__).parameters.values()
    if any(parameter.kind is inspect.Parameter.VAR_KEYWORD for parameter in parameters):
        return config
    names = {parameter.name for parameter in parameters}
    return {key: value for key, value in config.items() if key in names}


def get_backend(name: str) -> SmsBackend:
    """The adapter for one provider, configured from settings; ConfigError if it cannot work."""
    cls = BACKEND_CLASSES.get(name)
    if cls is None:
        raise ConfigError(
            f"Unknown SMS provider {name!r}; use one of: {', '.join(sorted(BACKEND_CLASSES))}."
        )
    config = dict(_sms_settings().get("config", {}).get(name) or {})
    for field in getattr(cls, "required_settings", ()):
        if not config.get(field):
            raise ConfigError(
                f"KHEDMAT_SMS_{name.upper()}_{field.upper()} is not set; "
                f"the SMS provider {name!r} needs it."
            )
    return cls(**_accepted(cls, config))


def providers_for(kind: str) -> list[str]:
    """Provider names for a message kind ("otp" or "transactional"), in failover order."""
    if kind not in KIND_SETTINGS:
        raise ValueError(f"Unknown message kind {kind!r}; use one of: {', '.join(KIND_SETTINGS)}.")
    sms = _sms_settings()
    names = sms.get(KIND_SETTINGS[kind]) or sms.get("providers") or ["console"]
    return list(dict.fromkeys(names))


def backends_for(kind: str) -> list[SmsBackend]:
    """Configured backends for a message kind, first choice first."""
    return [get_backend(name) for name in providers_for(kind)]


def known_providers() -> list[str]:
    """Every provider name an adapter exists for."""
    return list(BACKEND_CLASSES)


def report_status(provider: str, code: object) -> DeliveryStatus:
    """A provider's delivery status code (e.g. from a pushed report) as the common enum."""
    mapper = STATUS_MAPPERS.get(provider)
    if mapper is None:
        return DeliveryStatus.UNKNOWN
    return mapper(code)
