"""Applying a confirmed plan: a plan without errors written through the CI use cases (each writes
its Activity row) in one transaction, so that a row refused there undoes the whole import."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from khedmat.cmdb.models import ConfigurationItem
from khedmat.cmdb.services import create_ci, relate, update_ci
from khedmat.cmdb.transfer.errors import ImportConflictError, ImportHasErrorsError
from khedmat.cmdb.transfer.plan import ImportPlan, ItemChange, RelationChange
from khedmat.core.actors import Actor
from khedmat.core.errors import DomainError


def apply_import(plan: ImportPlan, *, actor: Actor) -> ImportPlan:
    """Write a plan without errors through the CI use cases (each writes its Activity row), all
    in one transaction: a row refused there undoes the whole import."""
    if not plan.is_valid:
        raise ImportHasErrorsError()
    change: ItemChange | RelationChange | None = None
    try:
        with transaction.atomic():
            items = {
                item.code: item
                for item in ConfigurationItem.objects.select_related("ci_type").filter(
                    code__in=_codes_of(plan)
                )
            }
            for change in _creation_order(plan.items):
                _apply_item(change, items, actor=actor)
            for change in plan.relations:
                if change.action == "create":
                    relate(items[change.source], items[change.target], change.kind, actor=actor)
    except (DomainError, IntegrityError, KeyError) as error:
        reason = (
            error.message if isinstance(error, DomainError) else ImportConflictError.default_message
        )
        row = change.row if change else 0
        raise ImportConflictError(
            _("Row %(row)s: %(reason)s Nothing was written.") % {"row": row, "reason": reason}
        ) from error
    return plan


def _codes_of(plan: ImportPlan) -> set[str]:
    codes = {change.code for change in plan.items}
    return codes | {code for change in plan.relations for code in (change.source, change.target)}


def _creation_order(changes: list[ItemChange]) -> list[ItemChange]:
    """Rows without references to other rows first, so that a reference finds its CI."""
    codes = {change.code for change in changes}

    def refers(change: ItemChange) -> bool:
        return any(str(value) in codes for value in change.values.get("attributes", {}).values())

    return sorted(changes, key=refers)


def _apply_item(change: ItemChange, items: dict[str, ConfigurationItem], *, actor: Actor) -> None:
    if change.action == "create":
        if change.code in items:
            raise ImportConflictError()
        items[change.code] = create_ci(code=change.code, actor=actor, **change.values)
    elif change.action == "update":
        fields = {name: value for name, value in change.values.items() if name != "ci_type"}
        items[change.code] = update_ci(items[change.code], actor=actor, **fields)
