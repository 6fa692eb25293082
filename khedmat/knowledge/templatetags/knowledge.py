"""Template tags that let other apps' pages show knowledge without importing it (layers)."""

from __future__ import annotations

from typing import Any

from django import template

from khedmat.knowledge.models import Article
from khedmat.knowledge.queries import faq_for_service

register = template.Library()


@register.simple_tag
def service_faq(service: Any) -> list[Article]:
    """`{% service_faq service as faq %}`: the public published FAQ linked to the service."""
    return faq_for_service(service)
