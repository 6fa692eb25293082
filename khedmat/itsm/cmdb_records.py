"""What ITSM shows on a CI's page in the CMDB (registered in ItsmConfig.ready()): the open
incidents on the CI or on anything its failure reaches, and the CI's known errors — each only to
staff who may read them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from khedmat.cmdb.impact import register_dependent_records
from khedmat.cmdb.models import ConfigurationItem
from khedmat.itsm.models import KnownError
from khedmat.itsm.queries import incidents_on_cis

SHOWN = 20


@dataclass(frozen=True)
class Row:
    text: str
    url: str

    def __str__(self) -> str:
        return self.text


def open_incidents(ci: ConfigurationItem | None, ids: set[int], user: Any) -> list[Row]:
    if user is None or not user.has_perm("itsm.view_incident"):
        return []
    incidents = incidents_on_cis(user, ids).select_related("ci")[:SHOWN]
    return [
        Row(
            f"{incident.tracking_code} · {incident.title} ({incident.ci.name if incident.ci else ''})",
            reverse("itsm:desk_incident_detail", args=[incident.tracking_code]),
        )
        for incident in incidents
    ]


def known_errors(ci: ConfigurationItem | None, ids: set[int], user: Any) -> list[Row]:
    """On a CI's page its own known errors; elsewhere (a change) those of all the CIs given."""
    if user is None or not user.has_perm("itsm.view_knownerror"):
        return []
    rows = KnownError.objects.active().filter(ci_id__in=[ci.pk] if ci else ids)
    rows = rows.order_by("-created_at", "-id")[:SHOWN]
    return [
        Row(
            f"{known.code} · {known.title}",
            reverse("itsm:desk_known_error_detail", args=[known.code]),
        )
        for known in rows
    ]


def register() -> None:
    register_dependent_records("open_incidents", _("Open incidents on these items"), open_incidents)
    register_dependent_records("known_errors", _("Known errors"), known_errors)
