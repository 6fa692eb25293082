"""Reads of the CMDB for its pages: the CI list with its filters, one CI with its relations, the
CI's history; the Activity verbs of CIs and their labels."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from khedmat.cmdb.models import CiAttribute, CiRelation, ConfigurationItem
from khedmat.core.digits import fold_digits
from khedmat.core.models import Activity
from khedmat.core.verbs import verb_label

#: The verbs of CIs, with their history labels (registered in CmdbConfig.ready()).
ACTIVITY_LABELS: dict[str, Promise] = {
    "ci.created": _("Configuration item added"),
    "ci.updated": _("Configuration item changed"),
    "ci.related": _("Relation added"),
    "ci.unrelated": _("Relation removed"),
    "ci.imported": _("Imported from a file"),
}

PAGE_SIZE = 50
CI_ORDER = ("name", "id")


@dataclass(frozen=True)
class CiFilters:
    ci_type: Any = None
    status: str = ""
    owner_team: Any = None
    text: str = ""


def ci_rows(filters: CiFilters | None = None) -> QuerySet[ConfigurationItem]:
    """CIs narrowed by type, status, owner team and words in the code or name, rows loaded."""
    filters = filters or CiFilters()
    items = ConfigurationItem.objects.select_related("ci_type", "owner_team")
    if filters.ci_type is not None:
        items = items.filter(ci_type=filters.ci_type)
    if filters.status:
        items = items.filter(status=filters.status)
    if filters.owner_team is not None:
        items = items.filter(owner_team=filters.owner_team)
    text = fold_digits(filters.text.strip())
    if text:
        items = items.filter(Q(code__icontains=text) | Q(name__icontains=text))
    return items


def desk_ci(code: str) -> ConfigurationItem | None:
    return (
        ConfigurationItem.objects.select_related(
            "ci_type", "owner_team", "service__current_version"
        )
        .filter(code=code)
        .first()
    )


@dataclass(frozen=True)
class AttributeRow:
    label: str
    value: Any
    reference: ConfigurationItem | None = None


def attribute_rows(ci: ConfigurationItem) -> list[AttributeRow]:
    """The type's attributes with the CI's values, labelled in the active language (a reference
    is loaded to link it: one query for all of them)."""
    attributes = list(CiAttribute.objects.filter(ci_type_id=ci.ci_type_id))
    codes = [
        str(ci.attributes[a.code])
        for a in attributes
        if a.kind == "reference" and ci.attributes.get(a.code)
    ]
    references = {item.code: item for item in ConfigurationItem.objects.filter(code__in=codes)}
    return [
        AttributeRow(
            label=attribute.name,
            value=ci.attributes.get(attribute.code, ""),
            reference=references.get(str(ci.attributes.get(attribute.code, ""))),
        )
        for attribute in attributes
    ]


@dataclass(frozen=True)
class Relations:
    outgoing: list[CiRelation]
    incoming: list[CiRelation]


def relations_of(ci: ConfigurationItem) -> Relations:
    """The CI's relations both ways, the other end loaded (two queries)."""
    return Relations(
        outgoing=list(
            ci.outgoing.select_related("target__ci_type").order_by("kind", "target__name")
        ),
        incoming=list(
            ci.incoming.select_related("source__ci_type").order_by("kind", "source__name")
        ),
    )


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    verb: str
    label: str
    actor: Any
    detail: str


def _detail(row: Activity) -> str:
    value = row.new_value if row.new_value is not None else row.old_value
    if isinstance(value, dict) and {"source", "kind", "target"} <= value.keys():
        return f"{value['source']} → {value['kind']} → {value['target']}"
    if isinstance(value, dict):
        return ", ".join(f"{key}: {value[key]}" for key in sorted(value))
    return "" if value is None else str(value)


def ci_history(ci: ConfigurationItem) -> list[HistoryEntry]:
    """The CI's Activity rows, newest first (one query)."""
    rows = Activity.objects.for_target(ci).select_related("actor").order_by("-created_at", "-id")
    return [
        HistoryEntry(row.created_at, row.verb, verb_label(row.verb), row.actor, _detail(row))
        for row in rows[:200]
    ]
