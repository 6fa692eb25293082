"""Build inquiry providers from settings.KHEDMAT_INQUIRY and pick the one for each inquiry kind."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from khedmat.config import ConfigError
from khedmat.integrations.inquiries.base import InquiryProvider
from khedmat.integrations.inquiries.gsb import GsbInquiryProvider

PROVIDER_CLASSES: dict[str, type[GsbInquiryProvider]] = {"gsb": GsbInquiryProvider}

DEFAULT_BREAKER = {"failures": 5, "window_seconds": 60, "cooldown_seconds": 30}


def inquiry_settings() -> dict[str, Any]:
    """settings.KHEDMAT_INQUIRY, or an empty configuration (no kinds, nothing cached)."""
    value = getattr(settings, "KHEDMAT_INQUIRY", None)
    return value if isinstance(value, dict) else {}


def provider_name_for(kind: str) -> str:
    """The provider configured for an inquiry kind; ConfigError when there is none."""
    name = (inquiry_settings().get("providers") or {}).get(kind)
    if not name:
        raise ConfigError(
            f"No inquiry provider for kind {kind!r}; add {kind}:<provider> to "
            "KHEDMAT_INQUIRY_PROVIDERS."
        )
    return str(name)


def get_provider(name: str) -> InquiryProvider:
    """The adapter for one provider, configured from settings; ConfigError if it cannot work."""
    cls = PROVIDER_CLASSES.get(name)
    if cls is None:
        raise ConfigError(
            f"Unknown inquiry provider {name!r}; use one of: {', '.join(sorted(PROVIDER_CLASSES))}."
        )
    config = dict((inquiry_settings().get("config") or {}).get(name) or {})
    for field in cls.required_settings:
        if not config.get(field):
            raise ConfigError(
                f"KHEDMAT_INQUIRY_{name.upper()}_{field.upper()} is not set; "
                f"the inquiry provider {name!r} needs it."
            )
    return cls(
        **{key: value for key, value in config.items() if key in ("url", "api_key", "timeout")}
    )


def cache_seconds(kind: str) -> int:
    """How long a provider's answer for this kind is reused (0: never)."""
    config = inquiry_settings()
    by_kind = config.get("cache_seconds") or {}
    return int(by_kind.get(kind, config.get("default_cache_seconds", 0)))


def breaker_settings() -> dict[str, int]:
    """failures, window_seconds and cooldown_seconds of the per-provider circuit breaker."""
    return {**DEFAULT_BREAKER, **(inquiry_settings().get("breaker") or {})}
