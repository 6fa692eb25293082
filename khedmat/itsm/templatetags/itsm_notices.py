"""Template tags that let other apps' pages show ITSM's status notices without importing it
(the portal home and the service card compose upward through templates; see the layers)."""

from __future__ import annotations

from typing import Any

from django import template

from khedmat.itsm.models import PublicNotice
from khedmat.itsm.queries import active_notices

register = template.Library()


@register.simple_tag
def status_notices(service: Any = None) -> list[PublicNotice]:
    """`{% status_notices as notices %}`: the active notices, newest first (one query);
    `{% status_notices service as notices %}`: only those of incidents on that service."""
    notices = active_notices()
    if service is None:
        return notices
    return [notice for notice in notices if notice.incident.service_id == service.pk]
