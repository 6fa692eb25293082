"""Catalog models: categories, services, versioned identity cards and their rows, form fields."""

from khedmat.catalog.models.card import (
    FaqEntry,
    Fee,
    RequiredDocument,
    ServiceInquiry,
    ServiceStep,
    StageChannel,
)
from khedmat.catalog.models.form_field import FormField
from khedmat.catalog.models.service import Category, Service, ServiceQuerySet, ServiceVersion

__all__ = [
    "Category",
    "FaqEntry",
    "Fee",
    "FormField",
    "RequiredDocument",
    "Service",
    "ServiceInquiry",
    "ServiceQuerySet",
    "ServiceStep",
    "ServiceVersion",
    "StageChannel",
]
