"""Use cases of the catalog: create a service, revise its card (a new version), publish it.

Every edit of a card makes a new ServiceVersion with who, when and what changed (R-5); the rows
(documents, steps, fees, FAQ, stages, inquiries, form fields) are copied or replaced with it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khedmat.catalog.choices import STAGE_ORDER, ElectronicStatus
from khedmat.catalog.errors import ServiceNotPublishedError
from khedmat.catalog.formbuilder import check_form_definition
from khedmat.catalog.models import (
    Category,
    FaqEntry,
    Fee,
    FormField,
    RequiredDocument,
    Service,
    ServiceInquiry,
    ServiceStep,
    ServiceVersion,
    StageChannel,
)
from khedmat.core.services import record_activity
from khedmat.core.text import normalize_for_search

# The rows of a card, by the name of their set on ServiceVersion.
ROW_MODELS: dict[str, type[models.Model]] = {
    "documents": RequiredDocument,
    "steps": ServiceStep,
    "fees": Fee,
    "faq": FaqEntry,
    "stages": StageChannel,
    "inquiries": ServiceInquiry,
    "form_fields": FormField,
}
# Fields of ServiceVersion that are bookkeeping, not card content.
_BOOKKEEPING = frozenset(
    {
        "id",
        "service",
        "number",
        "created_by",
        "created_at",
        "change_summary",
        "changed_fields",
        "electronic_status",
        "title_key",
        "search_key",
    }
)
CARD_FIELDS: tuple[str, ...] = tuple(
    field.name for field in ServiceVersion._meta.concrete_fields if field.name not in _BOOKKEEPING
)
SERVICE_FIELDS: tuple[str, ...] = ("category", "parent", "position", "process_key")

Row = models.Model | Mapping[str, Any]


# --- public use cases -------------------------------------------------------------------------


def create_service(
    code: str,
    *,
    category: Category,
    actor: Any,
    card: ServiceVersion | Mapping[str, Any],
    rows: Mapping[str, Sequence[Row]] | None = None,
    parent: Service | None = None,
    position: int = 0,
    change_summary: str = "",
    process_key: str = "",
) -> Service:
    """A new (unpublished) service with version 1 of its card (and the process it runs)."""
    service = Service(
        code=code, category=category, parent=parent, position=position, process_key=process_key
    )
    version = card if isinstance(card, ServiceVersion) else ServiceVersion(**card)
    with transaction.atomic():
        service.full_clean(exclude=["current_version"])
        service.save()
        record_activity(service, "service.created", actor=actor, new={"code": service.code})
        service.current_version = add_card_version(
            service, version=version, rows=rows or {}, actor=actor, change_summary=change_summary
        )
    return service


def revise_service(
    service: Service,
    *,
    changes: Mapping[str, Any],
    actor: Any,
    change_summary: str = "",
) -> ServiceVersion:
    """A new version of the card: the one in force with `changes` applied, made current.

    `changes` holds card fields (`title_fa`, `duration_amount`…), whole row sets (`fees`,
    `documents`… as lists of dicts or unsaved rows, replacing the old ones) and the service's
    `category`, `parent` or `position`.
    """
    unknown = set(changes) - set(CARD_FIELDS) - set(ROW_MODELS) - set(SERVICE_FIELDS)
    if unknown:
        raise ValueError(f"not card fields: {sorted(unknown)}")
    with transaction.atomic():
        service = Service.objects.select_for_update().get(pk=service.pk)
        source = service.current_version
        version = copy_card(source) if source else ServiceVersion()
        for name in CARD_FIELDS:
            if name in changes:
                setattr(version, name, changes[name])
        rows: dict[str, Sequence[Row]] = {
            name: changes[name] if name in changes else _rows_of(source, name)
            for name in ROW_MODELS
        }
        identity = {name: changes[name] for name in SERVICE_FIELDS if name in changes}
        return add_card_version(
            service,
            version=version,
            rows=rows,
            actor=actor,
            change_summary=change_summary,
            service_changes=identity,
        )


def add_card_version(
    service: Service,
    *,
    version: ServiceVersion,
    rows: Mapping[str, Sequence[Row]],
    actor: Any,
    change_summary: str = "",
    service_changes: Mapping[str, Any] | None = None,
) -> ServiceVersion:
    """Save `version` (unsaved) with its rows as the service's next version and make it current.

    Checks the card (R-3: title, type, duration, a fee row — 0 allowed — and the complaint
    channel), fills the stages not given as non-electronic, derives the electronic status (R-4)
    and the search keys, and writes the Activity row with what changed.
    """
    with transaction.atomic():
        service = Service.objects.select_for_update().get(pk=service.pk)
        source = service.current_version
        old_identity = _identity_of(service)
        for name, value in (service_changes or {}).items():
            setattr(service, name, value)
        if service_changes:
            service.full_clean(exclude=["current_version", "code"])
        latest = service.versions.aggregate(latest=Max("number"))["latest"] or 0
        version.service, version.number = service, latest + 1
        version.created_by = actor if getattr(actor, "is_authenticated", False) else None
        version.created_at = timezone.now()
        version.change_summary = change_summary[:500]
        built = _build_rows(rows)
        _check_card(version, built)
        version.electronic_status = derive_electronic_status(
            [row for row in built["stages"] if isinstance(row, StageChannel)]
        )
        version.title_key, version.search_key = search_keys(version, service)
        changed = _changed_fields(source, version, built) if source else ["created"]
        changed += [
            name for name in SERVICE_FIELDS if old_identity[name] != _identity_of(service)[name]
        ]
        version.changed_fields = changed
        version.save()
        for name, instances in built.items():
            for instance in instances:
                instance.version = version  # type: ignore[attr-defined]
            ROW_MODELS[name]._default_manager.bulk_create(instances)
        service.current_version = version
        service.save(update_fields=["current_version", *(service_changes or {})])
        _record_revision(service, source, version, actor, old_identity)
        _index(service)
    return version


def publish_service(service: Service, *, actor: Any) -> Service:
    """Show the service on the portal (no-op when it already is)."""
    with transaction.atomic():
        service = Service.objects.select_for_update().get(pk=service.pk)
        if service.current_version_id is None:
            raise ServiceNotPublishedError(f"service {service.code} has no card yet")
        if service.is_published:
            return service
        service.is_published = True
        service.published_at = service.published_at or timezone.now()
        service.save(update_fields=["is_published", "published_at"])
        record_activity(
            service,
            "service.published",
            actor=actor,
            old={"published": False},
            new={"published": True},
        )
        _index(service)
    return service


def unpublish_service(service: Service, *, actor: Any) -> Service:
    """Take the service off the portal (no-op when it is not published)."""
    with transaction.atomic():
        service = Service.objects.select_for_update().get(pk=service.pk)
        if not service.is_published:
            return service
        service.is_published = False
        service.save(update_fields=["is_published"])
        record_activity(
            service,
            "service.unpublished",
            actor=actor,
            old={"published": True},
            new={"published": False},
        )
        _index(service)
    return service


def _index(service: Service) -> None:
    """Keep the portal search's entry of the service current (catalog indexes itself)."""
    from khedmat.catalog.indexing import index_service

    index_service(service)


# --- helpers (also used by the admin and the demo) --------------------------------------------


def copy_card(source: ServiceVersion) -> ServiceVersion:
    """An unsaved version with the card fields of `source`."""
    return ServiceVersion(**{name: getattr(source, name) for name in CARD_FIELDS_ATTNAMES})


CARD_FIELDS_ATTNAMES: tuple[str, ...] = tuple(
    field.attname for field in ServiceVersion._meta.concrete_fields if field.name in CARD_FIELDS
)


def derive_electronic_status(stages: Sequence[StageChannel]) -> str:
    """Fully electronic when all four stages are, not electronic when none is (R-4)."""
    electronic = {stage.stage for stage in stages if stage.is_electronic}
    if electronic >= set(STAGE_ORDER):
        return ElectronicStatus.FULLY
    if electronic:
        return ElectronicStatus.PARTIALLY
    return ElectronicStatus.NOT


def search_keys(version: ServiceVersion, service: Service) -> tuple[str, str]:
    """The normalised title key and the full search key of a card (requirements §6.3)."""
    titles = " ".join(
        text for text in (version.title_fa, version.title_ar, version.title_en) if text
    )
    other = [
        version.process_title_fa,
        version.process_title_ar,
        version.process_title_en,
        version.keywords,
        version.description_fa,
        version.description_ar,
        version.description_en,
    ]
    full = " ".join([service.code, titles, *[text for text in other if text]])
    return normalize_for_search(titles), normalize_for_search(full)


def _rows_of(source: ServiceVersion | None, name: str) -> list[models.Model]:
    return list(getattr(source, name).all()) if source else []


def _row_values(row: models.Model) -> dict[str, Any]:
    return {
        field.attname: getattr(row, field.attname)
        for field in row._meta.concrete_fields
        if field.name not in ("id", "version")
    }


def _build_rows(rows: Mapping[str, Sequence[Row]]) -> dict[str, list[models.Model]]:
    """Unsaved, validated rows per set (copies of saved rows, or made from dicts)."""
    built: dict[str, list[models.Model]] = {}
    errors: dict[str, list[ValidationError]] = {}
    for name, model in ROW_MODELS.items():
        instances = []
        for index, row in enumerate(rows.get(name, ())):
            values = _row_values(row) if isinstance(row, models.Model) else dict(row)
            values.setdefault("position", index)
            instance = model(**values)
            try:
                instance.full_clean(exclude=["version"])
            except ValidationError as error:
                errors.setdefault(name, []).append(error)
            instances.append(instance)
        built[name] = instances
    if errors:
        raise ValidationError(
            {
                name: [message for error in found for message in error.messages]
                for name, found in errors.items()
            }
        )
    built["stages"] = _all_stages(built["stages"])  # type: ignore[arg-type]
    return built


def _all_stages(stages: list[StageChannel]) -> list[models.Model]:
    """The four stages in order; a stage not given is recorded as not electronic."""
    by_stage = {stage.stage: stage for stage in stages}
    if len(by_stage) != len(stages):
        raise ValidationError({"stages": _("Each stage appears once per card.")})
    ordered = [
        by_stage.get(stage) or StageChannel(stage=stage, is_electronic=False, channels=[])
        for stage in STAGE_ORDER
    ]
    for position, stage_row in enumerate(ordered):
        stage_row.position = position
    return list(ordered)


def _check_card(version: ServiceVersion, rows: Mapping[str, list[models.Model]]) -> None:
    """R-3: the card fields are valid and complete, a fee row exists, the form is one form."""
    errors: dict[str, Any] = {}
    try:
        version.full_clean(exclude=["service"])
    except ValidationError as error:
        errors.update(error.message_dict)
    if not rows["fees"]:
        errors["fees"] = [_("Give the fee of the service; enter 0 when it is free.")]
    try:
        check_form_definition(rows["form_fields"])  # type: ignore[arg-type]
    except ValidationError as error:
        errors["form_fields"] = error.messages
    if errors:
        raise ValidationError(errors)


def _card_values(version: ServiceVersion) -> dict[str, Any]:
    values = {}
    for name, attname in zip(CARD_FIELDS, CARD_FIELDS_ATTNAMES, strict=True):
        value = getattr(version, attname)
        values[name] = value.name if hasattr(value, "name") and hasattr(value, "storage") else value
    return values


def _changed_fields(
    source: ServiceVersion, version: ServiceVersion, rows: Mapping[str, list[models.Model]]
) -> list[str]:
    old, new = _card_values(source), _card_values(version)
    changed = [name for name in CARD_FIELDS if old[name] != new[name]]
    for name in ROW_MODELS:
        before = [_row_values(row) for row in getattr(source, name).all()]
        after = [_row_values(row) for row in rows[name]]
        if before != after:
            changed.append(name)
    return changed


def _identity_of(service: Service) -> dict[str, Any]:
    return {
        "category": service.category_id,
        "parent": service.parent_id,
        "position": service.position,
        "process_key": service.process_key,
    }


def _record_revision(
    service: Service,
    source: ServiceVersion | None,
    version: ServiceVersion,
    actor: Any,
    old_identity: Mapping[str, Any],
) -> None:
    fields = [name for name in version.changed_fields if name in CARD_FIELDS]
    old_values = _card_values(source) if source else {}
    new_values = _card_values(version)
    new_identity = _identity_of(service)
    identity = [name for name in SERVICE_FIELDS if old_identity[name] != new_identity[name]]
    record_activity(
        service,
        "service.revised" if source else "service.card_created",
        actor=actor,
        old={
            **{name: _jsonable(old_values.get(name)) for name in fields},
            **{name: old_identity[name] for name in identity},
        }
        if source
        else None,
        new={
            **{name: _jsonable(new_values[name]) for name in fields},
            **{name: new_identity[name] for name in identity},
        },
        data={
            "version": version.number,
            "previous_version": source.number if source else None,
            "changed": version.changed_fields,
            "summary": version.change_summary,
        },
    )


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool | list | dict):
        return value
    return str(value)
