"""The URL converter of service codes (R-1 codes, R-8 stable addresses)."""

from __future__ import annotations

from django.urls import register_converter

from khedmat.catalog.models.base import SERVICE_CODE_PATTERN


class ServiceCodeConverter:
    regex = SERVICE_CODE_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


# Registered once, on import: catalog's pages and tickets' apply route both use <service_code:…>.
register_converter(ServiceCodeConverter, "service_code")
