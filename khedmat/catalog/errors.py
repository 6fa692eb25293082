"""Domain errors of the catalog; views and the admin turn them into messages."""

from __future__ import annotations

from khedmat.core.errors import DomainError


class CatalogError(DomainError):
    """Base of the catalog errors."""


class ImmutableVersionError(CatalogError):
    """A saved card version (or one of its rows) was about to be changed in place."""


class ServiceNotPublishedError(CatalogError):
    """The service has no version yet, so it cannot be published."""
