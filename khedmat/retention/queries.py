"""Which records a rule governs and when they fall due; the report of upcoming destructions."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from khedmat.retention.choices import PER_SERVICE, Action
from khedmat.retention.erasers import ERASERS, HOLDABLE_MODELS, Holds, moment_before
from khedmat.retention.models import (
    AnonymisedRecord,
    DestructionRecord,
    LegalHold,
    RetentionRule,
)

#: The horizons of the report of upcoming destructions, in days.
HORIZONS = (30, 90)
#: The history's keyset order (newest first).
RECORD_ORDER = ("-started_at", "-id")


def active_holds() -> Holds:
    """Every active legal hold, read in one query."""
    records: dict[Any, set[int]] = defaultdict(set)
    services: set[int] = set()
    models_by_type = {
        model._meta.label_lower: model for model in HOLDABLE_MODELS
    }  # the content type's "app.model"
    rows = LegalHold.objects.active().values_list(
        "content_type__app_label", "content_type__model", "object_id", "service_id"
    )
    for app_label, model_name, object_id, service_id in rows:
        if service_id is not None:
            services.add(service_id)
            continue
        model = models_by_type.get(f"{app_label}.{model_name}")
        if model is not None and object_id is not None:
            records[model].add(object_id)
    return Holds({model: frozenset(ids) for model, ids in records.items()}, frozenset(services))


def rules_of_services() -> dict[str, set[int]]:
    """The services that have their own rule, per class of data (active or not)."""
    found: dict[str, set[int]] = defaultdict(set)
    for data_class, service_id in RetentionRule.objects.filter(service__isnull=False).values_list(
        "data_class", "service_id"
    ):
        found[data_class].add(service_id)
    return found


def governed_rows(
    rule: RetentionRule, *, holds: Holds, overridden: dict[str, set[int]]
) -> QuerySet[Any]:
    """The records `rule` governs that are still to destroy: its class's rows, of its service (or
    of no service with its own rule), not under a legal hold, not anonymised already."""
    eraser = ERASERS[rule.data_class]
    rows = eraser.rows()
    if rule.data_class in PER_SERVICE and eraser.service is not None:
        if rule.service_id is not None:
            rows = rows.filter(eraser.service([rule.service_id]))
        elif overridden.get(rule.data_class):
            rows = rows.exclude(eraser.service(overridden[rule.data_class]))
    if holds.records or holds.services:
        rows = rows.exclude(eraser.held(holds))
    if rule.action == Action.ANONYMISE:
        rows = rows.exclude(pk__in=AnonymisedRecord.of(eraser.model))
    return rows.order_by()


def due_rows(
    rule: RetentionRule, *, holds: Holds, overridden: dict[str, set[int]], now: dt.datetime
) -> QuerySet[Any]:
    """The governed records whose period has passed at `now`."""
    anchor = ERASERS[rule.data_class].anchor
    before = moment_before(now, rule.period_days)
    return governed_rows(rule, holds=holds, overridden=overridden).filter(
        **{f"{anchor}__lt": before}
    )


@dataclass(frozen=True)
class Upcoming:
    """One rule's line of the report: records due now, within each horizon, and the next date."""

    rule: RetentionRule
    due_now: int
    within: dict[int, int]
    next_at: dt.datetime | None


def upcoming_destructions(*, now: dt.datetime | None = None) -> list[Upcoming]:
    """Per active rule, how many records the next runs will destroy: one query per rule."""
    now = now or timezone.now()
    holds, overridden = active_holds(), rules_of_services()
    lines = []
    for rule in RetentionRule.objects.filter(is_active=True).select_related("service"):
        anchor = ERASERS[rule.data_class].anchor
        cuts = {0: moment_before(now, rule.period_days)}
        for days in HORIZONS:
            cuts[days] = moment_before(now + dt.timedelta(days=days), rule.period_days)
        figures = governed_rows(rule, holds=holds, overridden=overridden).aggregate(
            **{
                f"within_{days}": Count("pk", filter=Q(**{f"{anchor}__lt": cut}))
                for days, cut in cuts.items()
            },
            oldest=Min(anchor),
        )
        oldest = figures["oldest"]
        lines.append(
            Upcoming(
                rule=rule,
                due_now=figures["within_0"],
                within={days: figures[f"within_{days}"] for days in HORIZONS},
                next_at=oldest + dt.timedelta(days=rule.period_days) if oldest else None,
            )
        )
    return lines


def destruction_records() -> QuerySet[DestructionRecord]:
    """The destruction records, for the history's keyset pages (RECORD_ORDER)."""
    return DestructionRecord.objects.select_related("run")


def holds_list() -> QuerySet[LegalHold]:
    """Active holds, newest first (the report shows them beside the rules)."""
    return (
        LegalHold.objects.active()
        .select_related("content_type", "service", "placed_by")
        .order_by("-placed_at", "-id")
    )
