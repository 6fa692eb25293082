"""Catalog export (R-6): one row per service and sub-service, in the four parts of the national
service-registration form — 1 provider, 2 service definition, 3 other notes, 4 form filler.

CSV carries a UTF-8 byte order mark so spreadsheet programs read Persian and Arabic correctly;
texts are in the active language (Persian when a translation is missing), amounts are integers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from khedmat.catalog.choices import (
    STAGE_ORDER,
    DocumentSource,
    DurationUnit,
    Frequency,
    FrequencyPeriod,
    Nature,
    Stage,
    StartTrigger,
)
from khedmat.catalog.models import Service, ServiceVersion

# The four parts, in order: (key, label).
SECTIONS: tuple[tuple[str, Promise], ...] = (
    ("provider", _("Part 1 — provider")),
    ("definition", _("Part 2 — service definition")),
    ("other", _("Part 3 — other notes")),
    ("form_filler", _("Part 4 — form filler")),
)
LIST_SEPARATOR = "; "

Getter = Callable[[Service, ServiceVersion, str], Any]


def _label(choices: Any, value: str) -> str:
    return str(dict(choices.choices).get(value, value)) if value else ""


def _documents(version: ServiceVersion) -> list[str]:
    result = []
    for document in version.documents.all():
        if document.source == DocumentSource.INQUIRY:
            source = f"{_label(DocumentSource, document.source)}: {document.inquiry_provider}"
        else:
            source = _label(DocumentSource, document.source)
        result.append(f"{document.title} ({source})")
    return result


def _stage(stage_value: str) -> Getter:
    def get(service: Service, version: ServiceVersion, base_url: str) -> str:
        for stage in version.stages.all():
            if stage.stage == stage_value:
                state = _("electronic") if stage.is_electronic else _("not electronic")
                channels = ", ".join(stage.channel_labels)
                return f"{state}: {channels}" if channels else str(state)
        return str(_("not electronic"))

    return get


def _frequency(version: ServiceVersion) -> str:
    if version.frequency == Frequency.REPEATABLE:
        period = _label(FrequencyPeriod, version.frequency_period)
        return f"{version.frequency_count} {period}"
    return _label(Frequency, version.frequency)


def _unit_name(unit: Any) -> str:
    return unit.name if unit is not None else ""


# (section, key, label, value)
COLUMNS: tuple[tuple[str, str, Promise, Getter], ...] = (
    ("provider", "agency", _("agency"), lambda s, v, b: _unit_name(v.agency)),
    (
        "provider",
        "parent_agency",
        _("parent agency"),
        lambda s, v, b: _unit_name(v.agency.parent if v.agency else None),
    ),
    (
        "provider",
        "responsible_unit",
        _("responsible unit"),
        lambda s, v, b: _unit_name(v.responsible_unit),
    ),
    ("provider", "contact_phone", _("contact phone"), lambda s, v, b: v.contact_phone),
    ("provider", "contact_email", _("contact email"), lambda s, v, b: v.contact_email),
    ("definition", "code", _("service code"), lambda s, v, b: s.code),
    (
        "definition",
        "parent_code",
        _("parent service code"),
        lambda s, v, b: s.parent.code if s.parent else "",
    ),
    ("definition", "title", _("title"), lambda s, v, b: v.title),
    ("definition", "process_title", _("process title"), lambda s, v, b: v.process_title),
    ("definition", "category", _("category"), lambda s, v, b: s.category.name),
    ("definition", "description", _("description"), lambda s, v, b: v.description),
    ("definition", "service_types", _("service type"), lambda s, v, b: v.service_type_labels),
    ("definition", "audiences", _("audience"), lambda s, v, b: v.audience_labels),
    ("definition", "nature", _("nature"), lambda s, v, b: _label(Nature, v.nature)),
    ("definition", "levels", _("level"), lambda s, v, b: v.level_labels),
    ("definition", "life_events", _("related life events"), lambda s, v, b: v.life_event_labels),
    (
        "definition",
        "start_trigger",
        _("how the service starts"),
        lambda s, v, b: _label(StartTrigger, v.start_trigger),
    ),
    ("definition", "legal_basis", _("legal basis"), lambda s, v, b: v.legal_basis),
    ("definition", "documents", _("required documents"), lambda s, v, b: _documents(v)),
    ("definition", "steps", _("steps"), lambda s, v, b: [step.title for step in v.steps.all()]),
    ("definition", "duration_amount", _("average duration"), lambda s, v, b: v.duration_amount),
    (
        "definition",
        "duration_unit",
        _("duration unit"),
        lambda s, v, b: _label(DurationUnit, v.duration_unit),
    ),
    ("definition", "service_hours", _("service hours"), lambda s, v, b: v.service_hours),
    ("definition", "in_person_visits", _("in-person visits"), lambda s, v, b: v.in_person_visits),
    ("definition", "frequency", _("frequency"), lambda s, v, b: _frequency(v)),
    (
        "definition",
        "recipients_per_month",
        _("recipients per month"),
        lambda s, v, b: v.recipients_per_month,
    ),
    (
        "definition",
        "recipients_per_year",
        _("recipients per year"),
        lambda s, v, b: v.recipients_per_year,
    ),
    (
        "definition",
        "fees",
        _("fees"),
        lambda s, v, b: [f"{fee.title}: {fee.amount} {fee.currency}" for fee in v.fees.all()],
    ),
    (
        "definition",
        "bank_accounts",
        _("bank accounts"),
        lambda s, v, b: [
            f"{fee.beneficiary} {fee.bank_account}".strip()
            for fee in v.fees.all()
            if fee.bank_account or fee.beneficiary
        ],
    ),
    *(("definition", f"stage_{stage}", Stage(stage).label, _stage(stage)) for stage in STAGE_ORDER),
    (
        "definition",
        "electronic_status",
        _("electronic status"),
        lambda s, v, b: v.get_electronic_status_display(),
    ),
    (
        "definition",
        "inquiries",
        _("inquiries"),
        lambda s, v, b: [
            f"{inquiry.title} — {inquiry.agency} ({_('online') if inquiry.is_online else _('offline')})"
            for inquiry in v.inquiries.all()
        ],
    ),
    ("definition", "complaint_channel", _("how to complain"), lambda s, v, b: v.complaint_channel),
    ("definition", "submission_place", _("where to apply"), lambda s, v, b: v.submission_place),
    (
        "definition",
        "answer_place",
        _("where to receive the answer"),
        lambda s, v, b: v.answer_place,
    ),
    ("definition", "sla_statement", _("service-level statement"), lambda s, v, b: v.sla_statement),
    ("other", "notes", _("other notes"), lambda s, v, b: v.notes),
    ("other", "faq_count", _("frequently asked questions"), lambda s, v, b: len(v.faq.all())),
    (
        "other",
        "card_url",
        _("card address"),
        lambda s, v, b: b + reverse("catalog:service_detail", args=[s.code]),
    ),
    (
        "other",
        "apply_url",
        _("application address"),
        lambda s, v, b: b + reverse("tickets:service_apply", args=[s.code]),
    ),
    (
        "other",
        "guide_url",
        _("user guide"),
        lambda s, v, b: b + reverse("catalog:service_guide", args=[s.code]) if v.guide_file else "",
    ),
    ("other", "version", _("card version"), lambda s, v, b: v.number),
    ("other", "last_updated", _("last updated"), lambda s, v, b: v.created_at.date().isoformat()),
    ("other", "published", _("published"), lambda s, v, b: s.is_published),
    ("form_filler", "name", _("form filled in by"), lambda s, v, b: v.form_filler_name),
    ("form_filler", "position", _("position"), lambda s, v, b: v.form_filler_position),
    ("form_filler", "phone", _("phone"), lambda s, v, b: v.form_filler_phone),
    (
        "form_filler",
        "approving_authority",
        _("approving authority"),
        lambda s, v, b: v.approving_authority,
    ),
)


def export_records(
    services: Sequence[Service], *, base_url: str = ""
) -> list[dict[str, dict[str, Any]]]:
    """One record per service: {"provider": {...}, "definition": {...}, "other": {...}, "form_filler": {...}}."""
    records = []
    for service in services:
        version = service.current_version
        if version is None:
            continue
        record: dict[str, dict[str, Any]] = {section: {} for section, _label_text in SECTIONS}
        for section, key, _column_label, getter in COLUMNS:
            value = getter(service, version, base_url)
            record[section][key] = (
                [str(item) for item in value]
                if isinstance(value, list)
                else (str(value) if isinstance(value, Promise) else value)
            )
        records.append(record)
    return records


def export_json(services: Sequence[Service], *, base_url: str = "") -> str:
    """The export as a JSON document: {"sections": [...], "services": [records]}."""
    document = {
        "sections": [{"key": key, "label": str(label)} for key, label in SECTIONS],
        "services": export_records(services, base_url=base_url),
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def csv_header() -> list[str]:
    """Column titles: the part's label, then the field's label."""
    sections = dict(SECTIONS)
    return [f"{sections[section]}: {label}" for section, _key, label, _getter in COLUMNS]


def export_csv(services: Sequence[Service], *, base_url: str = "") -> str:
    """The export as CSV text starting with a UTF-8 byte order mark; lists joined with "; "."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(csv_header())
    for record in export_records(services, base_url=base_url):
        row = []
        for section, key, _label_text, _getter in COLUMNS:
            value = record[section][key]
            if isinstance(value, list):
                value = LIST_SEPARATOR.join(value)
            elif isinstance(value, bool):
                value = "1" if value else "0"
            row.append("" if value is None else str(value))
        writer.writerow(row)
    return "\ufeff" + buffer.getvalue()
