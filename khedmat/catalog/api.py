"""Catalog read endpoints (public): categories, services with keyset pagination, cards, forms."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from khedmat.catalog import queries
from khedmat.catalog.formbuilder import ordered_rows
from khedmat.catalog.models import Category, Service, ServiceVersion
from khedmat.catalog.models.base import texts_of
from khedmat.core.http import load_json

router = Router(tags=["catalog"])

PAGE_LIMIT_DEFAULT = 50
PAGE_LIMIT_MAX = 200


# --- schemas ----------------------------------------------------------------------------------


class TextOut(Schema):
    """One text in the card's languages; Persian is always there, the others may be empty."""

    fa: str
    ar: str
    en: str


class CategoryOut(Schema):
    code: str
    name: TextOut
    description: TextOut
    position: int
    service_count: int
    url: str


class CategoryPage(Schema):
    items: list[CategoryOut]
    next: str | None


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


class ServicePage(Schema):
    items: list[ServiceSummaryOut]
    next: str | None


class PageQuery(Schema):
    after: str | None = None
    limit: int = PAGE_LIMIT_DEFAULT


class ServiceQuery(PageQuery):
    category: str | None = None
    q: str | None = None


class UnitOut(Schema):
    code: str
    name: str
    parent: str | None


class DocumentOut(Schema):
    title: TextOut
    description: TextOut
    source: str
    inquiry_provider: str
    is_mandatory: bool
    allowed_types: list[str]
    max_size_kb: int
    max_count: int


class StepOut(Schema):
    title: TextOut
    description: TextOut


class FeeOut(Schema):
    title: TextOut
    amount: int
    currency: str
    decimals: int
    beneficiary: str
    bank_account: str


class FaqOut(Schema):
    question: TextOut
    answer: TextOut


class StageOut(Schema):
    stage: str
    is_electronic: bool
    channels: list[str]
    note: TextOut


class InquiryOut(Schema):
    title: TextOut
    agency: str
    system: str
    is_online: bool


class FormFillerOut(Schema):
    name: str
    position: str
    phone: str


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


class FormOut(Schema):
    service: str
    version: int
    fields: list[FormFieldOut]


# --- cursors ----------------------------------------------------------------------------------


def _encode(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _decode(cursor: str) -> Any:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return load_json(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise HttpError(400, "bad cursor") from error


def _limit(limit: int) -> int:
    if not 1 <= limit <= PAGE_LIMIT_MAX:
        raise HttpError(400, f"limit must be between 1 and {PAGE_LIMIT_MAX}")
    return limit


# --- shaping ----------------------------------------------------------------------------------


def _unit(unit: Any) -> dict[str, Any] | None:
    if unit is None:
        return None
    return {
        "code": unit.code,
        "name": unit.name,
        "parent": unit.parent.code if unit.parent_id else None,
    }


def _summary(service: Service, version: ServiceVersion) -> dict[str, Any]:
    return {
        "code": service.code,
        "title": texts_of(version, "title"),
        "category": service.category.code,
        "parent": service.parent.code if service.parent_id and service.parent else None,
        "electronic_status": version.electronic_status,
        "version": version.number,
        "updated_at": version.created_at,
        "card_url": reverse("catalog:service_detail", args=[service.code]),
        "apply_url": reverse("tickets:service_apply", args=[service.code]),
    }


def _card(service: Service, version: ServiceVersion) -> dict[str, Any]:
    translated = (
        "process_title",
        "description",
        "legal_basis",
        "service_hours",
        "complaint_channel",
        "submission_place",
        "answer_place",
        "sla_statement",
        "notes",
        "approving_authority",
    )
    plain = (
        "keywords",
        "service_types",
        "audiences",
        "nature",
        "levels",
        "life_events",
        "start_trigger",
        "duration_amount",
        "duration_unit",
        "in_person_visits",
        "frequency",
        "frequency_count",
        "frequency_period",
        "recipients_per_month",
        "recipients_per_year",
        "contact_phone",
        "contact_email",
        "change_summary",
    )
    card = _summary(service, version)
    card.update({name: texts_of(version, name) for name in translated})
    card.update({name: getattr(version, name) for name in plain})
    card.update(
        {
            "is_current": service.current_version_id == version.pk,
            "agency": _unit(version.agency),
            "responsible_unit": _unit(version.responsible_unit),
            "guide_url": reverse("catalog:service_guide", args=[service.code])
            if version.guide_file
            else None,
            "flowchart_url": reverse("catalog:service_flowchart", args=[service.code])
            if version.flowchart
            else None,
            "form_filler": {
                "name": version.form_filler_name,
                "position": version.form_filler_position,
                "phone": version.form_filler_phone,
            },
            "documents": [
                {
                    "title": texts_of(row, "title"),
                    "description": texts_of(row, "description"),
                    "source": row.source,
                    "inquiry_provider": row.inquiry_provider,
                    "is_mandatory": row.is_mandatory,
                    "allowed_types": row.allowed_types,
                    "max_size_kb": row.max_size_kb,
                    "max_count": row.max_count,
                }
                for row in version.documents.all()
            ],
            "steps": [
                {"title": texts_of(row, "title"), "description": texts_of(row, "description")}
                for row in version.steps.all()
            ],
            "fees": [
                {
                    "title": texts_of(row, "title"),
                    "amount": row.amount,
                    "currency": row.currency,
                    "decimals": row.decimals,
                    "beneficiary": row.beneficiary,
                    "bank_account": row.bank_account,
                }
                for row in version.fees.all()
            ],
            "faq": [
                {"question": texts_of(row, "question"), "answer": texts_of(row, "answer")}
                for row in version.faq.all()
            ],
            "stages": [
                {
                    "stage": row.stage,
                    "is_electronic": row.is_electronic,
                    "channels": row.channels,
                    "note": texts_of(row, "note"),
                }
                for row in version.stages.all()
            ],
            "inquiries": [
                {
                    "title": texts_of(row, "title"),
                    "agency": row.agency,
                    "system": row.system,
                    "is_online": row.is_online,
                }
                for row in version.inquiries.all()
            ],
            "sub_services": [child.code for child in getattr(service, "sub_services", [])],
        }
    )
    return card


def _published(code: str) -> Service:
    try:
        return queries.published_service_card(code)
    except Service.DoesNotExist as error:
        raise Http404("no such published service") from error


# --- endpoints --------------------------------------------------------------------------------


@router.get("/categories", response=CategoryPage, auth=None, summary="Service categories")
def list_categories(request: HttpRequest, params: Query[PageQuery]) -> dict[str, Any]:
    """Public: active categories in portal order, `limit` at a time; pass `next` as `after`."""
    limit = _limit(params.limit)
    after = None
    if params.after:
        decoded = _decode(params.after)
        if not (
            isinstance(decoded, list)
            and len(decoded) == 2
            and all(isinstance(x, int) for x in decoded)
        ):
            raise HttpError(400, "bad cursor")
        after = (decoded[0], decoded[1])
    categories = queries.categories_page(after=after, limit=limit + 1)
    page, more = categories[:limit], len(categories) > limit
    list_url = reverse("catalog:service_list")
    return {
        "items": [_category(category, list_url) for category in page],
        "next": _encode([page[-1].position, page[-1].pk]) if more else None,
    }


def _category(category: Category, list_url: str) -> dict[str, Any]:
    return {
        "code": category.code,
        "name": texts_of(category, "name"),
        "description": texts_of(category, "description"),
        "position": category.position,
        "service_count": getattr(category, "service_count", 0),
        "url": f"{list_url}?category={category.code}",
    }


@router.get("/services", response=ServicePage, auth=None, summary="Published services")
def list_services(request: HttpRequest, params: Query[ServiceQuery]) -> dict[str, Any]:
    """Public: published services and sub-services by code, `limit` at a time; filter by
    `category` code or search with `q` (Persian/Arabic-normalised). Pass `next` as `after`."""
    limit = _limit(params.limit)
    after = None
    if params.after:
        decoded = _decode(params.after)
        if not isinstance(decoded, str):
            raise HttpError(400, "bad cursor")
        after = decoded
    services = queries.services_page(
        after=after, limit=limit + 1, category_code=params.category, query=params.q
    )
    page, more = services[:limit], len(services) > limit
    return {
        "items": [
            _summary(service, service.current_version)
            for service in page
            if service.current_version
        ],
        "next": _encode(page[-1].code) if more else None,
    }


@router.get("/services/{code}", response=ServiceCardOut, auth=None, summary="Service identity card")
def get_service(request: HttpRequest, code: str) -> dict[str, Any]:
    """Public: the identity card in force of a published service, every R-3 field."""
    service = _published(code)
    assert service.current_version is not None
    return _card(service, service.current_version)


@router.get(
    "/services/{code}/versions/{number}",
    response=ServiceCardOut,
    auth=None,
    summary="One version of a service identity card",
)
def get_service_version(request: HttpRequest, code: str, number: int) -> dict[str, Any]:
    """Public: an old or current version of a published service's card (R-5)."""
    service = _published(code)
    try:
        version = queries.service_version(service, number)
    except ServiceVersion.DoesNotExist as error:
        raise Http404("no such version") from error
    return _card(service, version)


@router.get("/services/{code}/form", response=FormOut, auth=None, summary="Application form")
def get_service_form(request: HttpRequest, code: str) -> dict[str, Any]:
    """Public: the form definition of the card in force: field rows with options and conditions."""
    service = _published(code)
    version = service.current_version
    assert version is not None
    return {
        "service": service.code,
        "version": version.number,
        "fields": [
            {
                "key": row.key,
                "group": row.group_key or None,
                "type": row.field_type,
                "label": texts_of(row, "label"),
                "help": texts_of(row, "help"),
                "required": row.is_required,
                "config": row.config,
                "show_if": row.show_if or None,
                "integration_key": row.integration_key,
            }
            for row in ordered_rows(version.form_fields.all())
        ],
    }
