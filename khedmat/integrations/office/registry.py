"""Build the configured office-automation adapter from settings.KHEDMAT_OFFICE_AUTOMATION."""

from __future__ import annotations

from django.conf import settings

from khedmat.config import ConfigError
from khedmat.integrations.office.base import OfficeAutomationProvider
from khedmat.integrations.office.rest import RestOfficeAutomation


def office_provider_name() -> str:
    """ "rest" or "manual" (no adapter: operators type letter numbers in)."""
    config = getattr(settings, "KHEDMAT_OFFICE_AUTOMATION", None) or {}
    return str(config.get("provider") or "manual")


def get_office_provider() -> OfficeAutomationProvider:
    """The configured adapter; ConfigError when it is manual or misses a setting."""
    config = dict(getattr(settings, "KHEDMAT_OFFICE_AUTOMATION", None) or {})
    name = office_provider_name()
    if name != "rest":
        raise ConfigError(
            "KHEDMAT_OFFICE_AUTOMATION_PROVIDER is not rest; letters can only be entered by hand."
        )
    for field in RestOfficeAutomation.required_settings:
        if not config.get(field):
            raise ConfigError(
                f"KHEDMAT_OFFICE_AUTOMATION_{field.upper()} is not set; the REST adapter needs it."
            )
    return RestOfficeAutomation(
        url=str(config["url"]),
        api_key=str(config["api_key"]),
        timeout=float(config.get("timeout", 10)),
    )
