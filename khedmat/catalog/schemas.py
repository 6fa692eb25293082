"""The catalog API's answers: schemas that read the catalog's rows (categories, services, card
versions and their rows, form fields) and shape them, so the endpoints return the rows.

A schema's docstring is its description in the OpenAPI document; the comment above each says
what it reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from ninja import Schema

from khedmat.accounts.models import OrgUnit
from khedmat.catalog.formbuilder import ordered_rows
from khedmat.catalog.models import Category, FormField, Service, ServiceVersion
from khedmat.catalog.models.base import texts_of


def _texts(field: str) -> Any:
    """A resolver for a translated field: its text in every card language."""
    return staticmethod(lambda row: texts_of(row, field))


class TextOut(Schema):
    """One text in the card's languages; Persian is always there, the others may be empty."""

    fa: str
    ar: str
    en: str


# --- categories -------------------------------------------------------------------------------


# A Category annotated with `service_count`, its published top-level services.
class CategoryOut(Schema):
    code: str
    name: TextOut
    description: TextOut
    position: int
    service_count: int
    url: str

    resolve_name = _texts("name")
    resolve_description = _texts("description")

    @staticmethod
    def resolve_service_count(category: Category) -> int:
        return int(getattr(category, "service_count", 0))

    @staticmethod
    def resolve_url(category: Category) -> str:
        return f"{reverse('catalog:service_list')}?category={category.code}"


# --- services and their cards -----------------------------------------------------------------


def _service(row: Service | ServiceVersion) -> Service:
    return row.service if isinstance(row, ServiceVersion) else row


def _version(row: Service | ServiceVersion) -> ServiceVersion:
    if isinstance(row, ServiceVersion):
        return row
    assert row.current_version is not None  # published services have a card in force
    return row.current_version


# A published Service (its card in force), or a card's ServiceVersion whose `service` is the
# published service (ServiceCardOut).
class ServiceSummaryOut(Schema):
    code: str
    title: TextOut
    category: str
    parent: str | None
    electronic_status: str
    version: int
    updated_at: dt.datetime
    card_url: str
    apply_url: str

    @staticmethod
    def resolve_code(row: Service | ServiceVersion) -> str:
        return _service(row).code

    @staticmethod
    def resolve_title(row: Service | ServiceVersion) -> dict[str, str]:
        return texts_of(_version(row), "title")

    @staticmethod
    def resolve_category(row: Service | ServiceVersion) -> str:
        return _service(row).category.code

    @staticmethod
    def resolve_parent(row: Service | ServiceVersion) -> str | None:
        service = _service(row)
        return service.parent.code if service.parent_id and service.parent else None

    @staticmethod
    def resolve_electronic_status(row: Service | ServiceVersion) -> str:
        return _version(row).electronic_status

    @staticmethod
    def resolve_version(row: Service | ServiceVersion) -> int:
        return _version(row).number

    @staticmethod
    def resolve_updated_at(row: Service | ServiceVersion) -> dt.datetime:
        return _version(row).created_at

    @staticmethod
    def resolve_card_url(row: Service | ServiceVersion) -> str:
        return reverse("catalog:service_detail", args=[_service(row).code])

    @staticmethod
    def resolve_apply_url(row: Service | ServiceVersion) -> str:
        return reverse("tickets:service_apply", args=[_service(row).code])


# An OrgUnit.
class UnitOut(Schema):
    code: str
    name: str
    parent: str | None

    @staticmethod
    def resolve_parent(unit: OrgUnit) -> str | None:
        return unit.parent.code if unit.parent_id and unit.parent else None


# A RequiredDocument.
class DocumentOut(Schema):
    title: TextOut
    description: TextOut
    source: str
    inquiry_provider: str
    is_mandatory: bool
    allowed_types: list[str]
    max_size_kb: int
    max_count: int

    resolve_title = _texts("title")
    resolve_description = _texts("description")


# A ServiceStep.
class StepOut(Schema):
    title: TextOut
    description: TextOut

    resolve_title = _texts("title")
    resolve_description = _texts("description")


# A Fee.
class FeeOut(Schema):
    title: TextOut
    amount: int
    currency: str
    decimals: int
    beneficiary: str
    bank_account: str

    resolve_title = _texts("title")


# A FaqEntry.
class FaqOut(Schema):
    question: TextOut
    answer: TextOut

    resolve_question = _texts("question")
    resolve_answer = _texts("answer")


# A ServiceStage.
class StageOut(Schema):
    stage: str
    is_electronic: bool
    channels: list[str]
    note: TextOut

    resolve_note = _texts("note")


# A ServiceInquiry.
class InquiryOut(Schema):
    title: TextOut
    agency: str
    system: str
    is_online: bool

    resolve_title = _texts("title")


class FormFillerOut(Schema):
    name: str
    position: str
    phone: str


# A ServiceVersion whose `service` is the published service (with its published
# `sub_services`) and whose rows are prefetched (queries.published_service_card, service_version).
class ServiceCardOut(ServiceSummaryOut):
    """Every field of the identity card (R-3) of one version."""

    is_current: bool
    change_summary: str
    process_title: TextOut
    description: TextOut
    keywords: str
    service_types: list[str]
    audiences: list[str]
    nature: str
    levels: list[str]
    life_events: list[str]
    start_trigger: str
    legal_basis: TextOut
    duration_amount: int
    duration_unit: str
    service_hours: TextOut
    in_person_visits: int
    frequency: str
    frequency_count: int | None
    frequency_period: str
    recipients_per_month: int | None
    recipients_per_year: int | None
    complaint_channel: TextOut
    agency: UnitOut | None
    responsible_unit: UnitOut | None
    contact_phone: str
    contact_email: str
    submission_place: TextOut
    answer_place: TextOut
    sla_statement: TextOut
    notes: TextOut
    guide_url: str | None
    flowchart_url: str | None
    form_filler: FormFillerOut
    approving_authority: TextOut
    documents: list[DocumentOut]
    steps: list[StepOut]
    fees: list[FeeOut]
    faq: list[FaqOut]
    stages: list[StageOut]
    inquiries: list[InquiryOut]
    sub_services: list[str]

    resolve_process_title = _texts("process_title")
    resolve_description = _texts("description")
    resolve_legal_basis = _texts("legal_basis")
    resolve_service_hours = _texts("service_hours")
    resolve_complaint_channel = _texts("complaint_channel")
    resolve_submission_place = _texts("submission_place")
    resolve_answer_place = _texts("answer_place")
    resolve_sla_statement = _texts("sla_statement")
    resolve_notes = _texts("notes")
    resolve_approving_authority = _texts("approving_authority")

    @staticmethod
    def resolve_guide_url(version: ServiceVersion) -> str | None:
        if not version.guide_file:
            return None
        return reverse("catalog:service_guide", args=[version.service.code])

    @staticmethod
    def resolve_flowchart_url(version: ServiceVersion) -> str | None:
        if not version.flowchart:
            return None
        return reverse("catalog:service_flowchart", args=[version.service.code])

    @staticmethod
    def resolve_form_filler(version: ServiceVersion) -> dict[str, str]:
        return {
            "name": version.form_filler_name,
            "position": version.form_filler_position,
            "phone": version.form_filler_phone,
        }

    @staticmethod
    def resolve_sub_services(version: ServiceVersion) -> list[str]:
        return [child.code for child in getattr(version.service, "sub_services", [])]


# --- the application form ---------------------------------------------------------------------


# A FormField.
class FormFieldOut(Schema):
    key: str
    group: str | None
    type: str
    label: TextOut
    help: TextOut
    required: bool
    config: dict[str, Any]
    show_if: dict[str, Any] | None
    integration_key: str

    resolve_label = _texts("label")
    resolve_help = _texts("help")

    @staticmethod
    def resolve_group(row: FormField) -> str | None:
        return row.group_key or None

    @staticmethod
    def resolve_type(row: FormField) -> str:
        return row.field_type

    @staticmethod
    def resolve_required(row: FormField) -> bool:
        return row.is_required

    @staticmethod
    def resolve_show_if(row: FormField) -> dict[str, Any] | None:
        return row.show_if or None


# The ServiceVersion in force, whose `service` is the published service.
class FormOut(Schema):
    service: str
    version: int
    fields: list[FormFieldOut]

    @staticmethod
    def resolve_service(version: ServiceVersion) -> str:
        return version.service.code

    @staticmethod
    def resolve_version(version: ServiceVersion) -> int:
        return version.number

    @staticmethod
    def resolve_fields(version: ServiceVersion) -> list[FormField]:
        return ordered_rows(version.form_fields.all())
