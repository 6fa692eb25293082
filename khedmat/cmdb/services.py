"""Use cases of configuration items: create, update (attributes checked against the type), retire;
relate and unrelate two CIs. Each writes Activity; a relation's Activity is on both CIs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from khedmat.accounts.models import Team
from khedmat.catalog.models import Service
from khedmat.cmdb.choices import AttributeKind, CiStatus, RelationKind
from khedmat.cmdb.errors import CiAttributeError, DuplicateCodeError, RelationError
from khedmat.cmdb.models import CiAttribute, CiRelation, CiType, ConfigurationItem
from khedmat.core.actors import Actor
from khedmat.core.services import record_activity


def _actor(actor: Actor) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        return value
    text = str(value).strip()
    number = float(text)
    return int(number) if number.is_integer() and "." not in text else number


def _clean_value(attribute: CiAttribute, value: Any) -> Any:
    """The value as stored (JSON), or ValueError/LookupError when the kind does not allow it."""
    kind = attribute.kind
    if kind == AttributeKind.TEXT:
        return str(value).strip()
    if kind == AttributeKind.NUMBER:
        return _number(value)
    if kind == AttributeKind.DATE:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value).strip())
        return day.isoformat()
    if kind == AttributeKind.CHOICE:
        if str(value) not in [str(choice) for choice in attribute.choices]:
            raise ValueError(value)
        return str(value)
    code = str(value).strip()
    items = ConfigurationItem.objects.filter(code=code)
    if attribute.reference_type_id is not None:
        items = items.filter(ci_type_id=attribute.reference_type_id)
    if not items.exists():
        raise LookupError(code)
    return code


def _refusal(attribute: CiAttribute, value: Any) -> CiAttributeError:
    messages: dict[str, str] = {
        AttributeKind.NUMBER: _("%(name)s must be a number, not “%(value)s”."),
        AttributeKind.DATE: _("%(name)s must be a date (YYYY-MM-DD), not “%(value)s”."),
        AttributeKind.CHOICE: _("%(name)s must be one of %(choices)s, not “%(value)s”."),
        AttributeKind.REFERENCE: _("%(name)s must be the code of a CI of type %(type)s."),
    }
    message = messages.get(attribute.kind, _("%(name)s is not valid."))
    return CiAttributeError(
        message
        % {
            "name": attribute.name,
            "value": value,
            "choices": ", ".join(str(choice) for choice in attribute.choices),
            "type": attribute.reference_type.name if attribute.reference_type else "",
        }
    )


def clean_attributes(ci_type: CiType, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values checked against the type's attributes: known codes only, required ones
    present, each of its kind. Empty values are left out."""
    attributes = {a.code: a for a in ci_type.attributes.select_related("reference_type")}
    unknown = sorted(set(values) - set(attributes))
    if unknown:
        raise CiAttributeError(
            _("The type %(type)s has no attribute %(codes)s.")
            % {"type": ci_type.name, "codes": ", ".join(unknown)}
        )
    cleaned: dict[str, Any] = {}
    for code, attribute in attributes.items():
        value = values.get(code)
        if value is None or (isinstance(value, str) and not value.strip()):
            if attribute.required:
                raise CiAttributeError(_("%(name)s is required.") % {"name": attribute.name})
            continue
        try:
            cleaned[code] = _clean_value(attribute, value)
        except (ValueError, LookupError, TypeError) as error:
            raise _refusal(attribute, value) from error
    return cleaned


def create_ci(
    *,
    code: str,
    name: str,
    ci_type: CiType,
    actor: Actor,
    status: str = CiStatus.LIVE,
    owner_team: Team | None = None,
    location: str = "",
    service: Service | None = None,
    description: str = "",
    attributes: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> ConfigurationItem:
    """Add a configuration item; its attributes must suit its type."""
    code, name = code.strip().lower(), name.strip()
    if not code or not name:
        raise CiAttributeError(_("A configuration item needs a code and a name."))
    now = now or timezone.now()
    cleaned = clean_attributes(ci_type, attributes or {})
    with transaction.atomic():
        if ConfigurationItem.objects.filter(code=code).exists():
            raise DuplicateCodeError()
        try:
            with transaction.atomic():
                item = ConfigurationItem.objects.create(
                    code=code,
                    name=name,
                    ci_type=ci_type,
                    status=status,
                    owner_team=owner_team,
                    location=location.strip(),
                    service=service,
                    description=description.strip(),
                    attributes=cleaned,
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError as error:  # the same code or service, at the same moment
            raise DuplicateCodeError() from error
        record_activity(item, "ci.created", actor=_actor(actor), new={"type": ci_type.code})
    return item


#: What update_ci may change.
EDITABLE = ("name", "status", "owner_team", "location", "service", "description", "attributes")


def update_ci(ci: ConfigurationItem, *, actor: Actor, **changes: Any) -> ConfigurationItem:
    """Change a CI's fields; `attributes` replaces them all and is checked against the type."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise CiAttributeError(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
    if "attributes" in changes:
        changes["attributes"] = clean_attributes(ci.ci_type, changes["attributes"] or {})
    if "name" in changes and not str(changes["name"]).strip():
        raise CiAttributeError(_("A configuration item needs a code and a name."))
    with transaction.atomic():
        ci = ConfigurationItem.objects.select_for_update().get(pk=ci.pk)
        old: dict[str, Any] = {}
        new: dict[str, Any] = {}
        for field, value in changes.items():
            attname = field + "_id" if field in ("owner_team", "service") else field
            before = getattr(ci, attname)
            after = value.pk if hasattr(value, "pk") else value
            if before != after:
                old[field], new[field] = before, after
                setattr(ci, attname, after)
        if not new:
            return ci
        ci.updated_at = timezone.now()
        ci.save(update_fields=[*new, "updated_at"])
        record_activity(ci, "ci.updated", actor=_actor(actor), old=old, new=new)
    return ci


def retire_ci(ci: ConfigurationItem, *, actor: Actor) -> ConfigurationItem:
    """The CI is out of service (its relations stay, for history and impact)."""
    if ci.status == CiStatus.RETIRED:
        return ci
    return update_ci(ci, actor=actor, status=CiStatus.RETIRED)


def relate(
    source: ConfigurationItem, target: ConfigurationItem, kind: str, *, actor: Actor
) -> CiRelation:
    """`source <kind> target`; not to itself, not twice. Activity on both CIs."""
    if kind not in RelationKind.values:
        raise RelationError(_("Unknown relation."))
    if source.pk == target.pk:
        raise RelationError(_("A CI cannot be related to itself."))
    with transaction.atomic():
        if CiRelation.objects.filter(source=source, target=target, kind=kind).exists():
            raise RelationError(_("These CIs are already related that way."))
        try:
            with transaction.atomic():
                relation = CiRelation.objects.create(source=source, target=target, kind=kind)
        except IntegrityError as error:
            raise RelationError(_("These CIs are already related that way.")) from error
        data = {"source": source.code, "kind": kind, "target": target.code}
        record_activity(source, "ci.related", actor=_actor(actor), new=data)
        record_activity(target, "ci.related", actor=_actor(actor), new=data)
    return relation


def unrelate(relation: CiRelation, *, actor: Actor) -> None:
    """Remove a relation; Activity on both CIs."""
    with transaction.atomic():
        relation = CiRelation.objects.select_related("source", "target").get(pk=relation.pk)
        data = {
            "source": relation.source.code,
            "kind": relation.kind,
            "target": relation.target.code,
        }
        record_activity(relation.source, "ci.unrelated", actor=_actor(actor), old=data)
        record_activity(relation.target, "ci.unrelated", actor=_actor(actor), old=data)
        relation.delete()
