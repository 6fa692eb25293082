"""What an import would do (the plan, with each row's errors), and the CMDB rows it is checked
against, read once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise

from khedmat.accounts.models import Team
from khedmat.cmdb.models import CiAttribute, CiType, ConfigurationItem


@dataclass
class RowError:
    """Why one row cannot be imported."""

    sheet: str
    row: int
    message: str


@dataclass
class ItemChange:
    """A CI the import creates or updates (`changes`: field -> (old, new)), or leaves as it is."""

    row: int
    code: str
    action: str  # "create", "update", "unchanged"
    values: dict[str, Any]
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class RelationChange:
    row: int
    source: str
    kind: str
    target: str
    action: str  # "create", "unchanged"


@dataclass
class ImportPlan:
    """What an import would do, and every row error; nothing is written until it is applied."""

    items: list[ItemChange] = field(default_factory=list)
    relations: list[RelationChange] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        actions = [change.action for change in self.items]
        actions += [change.action for change in self.relations]
        return actions.count(action)

    def error(self, sheet: str, row: int, message: Promise | str, **values: Any) -> None:
        self.errors.append(RowError(sheet, row, str(message) % values if values else str(message)))


@dataclass
class Catalogue:
    """What the rows are checked against, read once."""

    types: dict[str, CiType]
    attributes: dict[int, list[CiAttribute]]
    teams: dict[str, Team]
    stored: dict[str, ConfigurationItem]


def read_catalogue(codes: set[str]) -> Catalogue:
    """Every CI type, attribute and team, and the stored CIs with these codes."""
    attributes: dict[int, list[CiAttribute]] = {}
    for attribute in CiAttribute.objects.select_related("reference_type"):
        attributes.setdefault(attribute.ci_type_id, []).append(attribute)
    stored = ConfigurationItem.objects.filter(code__in=codes).select_related(
        "ci_type", "owner_team"
    )
    return Catalogue(
        types={ci_type.code: ci_type for ci_type in CiType.objects.all()},
        attributes=attributes,
        teams={team.code: team for team in Team.objects.all()},
        stored={item.code: item for item in stored},
    )
