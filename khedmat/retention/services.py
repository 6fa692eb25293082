"""Use cases of retention: rules, legal holds, and the destruction run that applies the rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khedmat.catalog.models import Service
from khedmat.core.errors import DomainError
from khedmat.core.services import record_activity
from khedmat.retention.choices import RunTrigger
from khedmat.retention.erasers import ERASERS, HOLDABLE_MODELS
from khedmat.retention.models import DestructionRecord, LegalHold, RetentionRule, RetentionRun
from khedmat.retention.queries import active_holds, due_rows, rules_of_services

#: The fields of a rule its Activity rows compare.
RULE_FIELDS = ("data_class", "service_id", "period_days", "action", "is_active", "basis")


class RetentionError(DomainError):
    """A retention use case refused."""


def _rule_values(rule: RetentionRule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in RULE_FIELDS}


def save_rule(rule: RetentionRule, *, actor: Any) -> RetentionRule:
    """Create or change a rule (validated), with its Activity row (old and new values)."""
    rule.full_clean()
    with transaction.atomic():
        old = None
        if rule.pk is not None:
            old = _rule_values(RetentionRule.objects.select_for_update().get(pk=rule.pk))
        rule.updated_at = timezone.now()
        rule.save()
        verb = "retention_rule.created" if old is None else "retention_rule.changed"
        record_activity(rule, verb, actor=actor, old=old, new=_rule_values(rule))
    return rule


def place_hold(
    *,
    reason: str,
    actor: Any,
    record: models.Model | None = None,
    service: Service | None = None,
) -> LegalHold:
    """Hold one request, complaint or incident, or every record of a service, from destruction."""
    if not reason.strip():
        raise RetentionError(_("A legal hold needs its reason."))
    if (record is None) == (service is None):
        raise RetentionError(_("A hold is on one record or on one service."))
    if record is not None and type(record) not in HOLDABLE_MODELS:
        raise RetentionError(_("Only requests, complaints and incidents can be held."))
    hold = LegalHold(reason=reason.strip(), placed_by=actor, service=service)
    if record is not None:
        hold.content_type = ContentType.objects.get_for_model(record)
        hold.object_id = record.pk
    with transaction.atomic():
        hold.save()
        record_activity(hold, "legal_hold.placed", actor=actor, data=_hold_data(hold))
    return hold


def _hold_data(hold: LegalHold) -> dict[str, Any]:
    return {
        "record_type": hold.content_type.model if hold.content_type else None,
        "record_id": hold.object_id,
        "service": hold.service_id,
        "reason": hold.reason,
    }


def release_hold(hold: LegalHold, *, reason: str, actor: Any) -> LegalHold:
    """Release a hold: its records fall under their rules again (a released hold is kept)."""
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if hold.released_at is not None:
            raise RetentionError(_("This hold was already released."))
        hold.released_at, hold.released_by = timezone.now(), actor
        hold.release_reason = reason.strip()
        hold.save(update_fields=["released_at", "released_by", "release_reason"])
        data = {**_hold_data(hold), "release_reason": hold.release_reason}
        record_activity(hold, "legal_hold.released", actor=actor, data=data)
    return hold


# --- the destruction run -------------------------------------------------------------------------


@dataclass(frozen=True)
class DryRunLine:
    """What a run would destroy under one rule."""

    rule: RetentionRule
    count: int


def rules_in_force() -> list[RetentionRule]:
    return list(
        RetentionRule.objects.filter(is_active=True).select_related("service").order_by("pk")
    )


def count_expired(*, now: dt.datetime | None = None) -> list[DryRunLine]:
    """A dry run: how many records each active rule would destroy now; nothing is written."""
    now = now or timezone.now()
    holds, overridden = active_holds(), rules_of_services()
    return [
        DryRunLine(rule, due_rows(rule, holds=holds, overridden=overridden, now=now).count())
        for rule in rules_in_force()
    ]


def start_run(*, trigger: str, job_id: str = "", day: dt.date | None = None) -> RetentionRun:
    """A new destruction run (the scheduled run of `day` exists at most once)."""
    return RetentionRun.objects.create(trigger=trigger, job_id=job_id, day=day)


def destroy_expired(
    run: RetentionRun, *, now: dt.datetime | None = None, batch: int | None = None
) -> list[DestructionRecord]:
    """Apply every active rule: erase what has passed its period, a batch per transaction, and
    leave one destruction record per rule. Run again after a kill, it goes on where it stopped:
    what is erased is deleted or marked, the records' counts grew with each committed batch."""
    now = now or timezone.now()
    batch = batch or settings.KHEDMAT_RETENTION_BATCH
    overridden = rules_of_services()
    records = []
    for rule in rules_in_force():
        record = _record_for(run, rule)
        if record.finished_at is None:
            # holds read again for each rule: one placed while the run goes is seen soon
            rows = due_rows(rule, holds=active_holds(), overridden=overridden, now=now)
            _erase_in_batches(record, rows, batch)
            _finish_record(record, rule)
        records.append(record)
    run.finished_at = timezone.now()
    run.save(update_fields=["finished_at"])
    return records


def _record_for(run: RetentionRun, rule: RetentionRule) -> DestructionRecord:
    record, _created = DestructionRecord.objects.get_or_create(
        run=run,
        rule=rule,
        defaults={
            "data_class": rule.data_class,
            "action": rule.action,
            "rule_text": rule.describe(),
            "period_days": rule.period_days,
            "job_id": run.job_id,
        },
    )
    return record


def _erase_in_batches(record: DestructionRecord, rows: Any, size: int) -> None:
    """Walk the due rows by primary key (an index every table has: one pass over the table,
    however many batches), erasing a batch per transaction; the record's figures grow with it."""
    eraser = ERASERS[record.data_class]
    chosen = rows.order_by("pk").values_list("pk", eraser.anchor)
    after = None
    while found := list((chosen if after is None else chosen.filter(pk__gt=after))[:size]):
        after = found[-1][0]
        with transaction.atomic():
            done = eraser.erase([pk for pk, _moment in found], record)
            if not done:
                continue
            moments = [moment for _pk, moment in found]
            record.count += done
            record.first_moment = min(filter(None, [record.first_moment, *moments]))
            record.last_moment = max(filter(None, [record.last_moment, *moments]))
            record.save(update_fields=["count", "first_moment", "last_moment"])


def _finish_record(record: DestructionRecord, rule: RetentionRule) -> None:
    with transaction.atomic():
        record.finished_at = timezone.now()
        record.save(update_fields=["finished_at"])
        data = {
            "run": record.run_id,
            "record": record.pk,
            "count": record.count,
            "job": record.job_id,
        }
        record_activity(rule, "retention_rule.applied", data=data)


def start_scheduled_run(*, now: dt.datetime | None = None) -> RetentionRun | None:
    """Tick: from KHEDMAT_RETENTION_HOUR (local time), once a day, queue the destruction run."""
    from khedmat.retention.tasks import destroy_expired_task

    local = timezone.localtime(now or timezone.now())
    if local.hour < settings.KHEDMAT_RETENTION_HOUR:
        return None
    if RetentionRun.objects.filter(day=local.date()).exists():
        return None
    try:
        with transaction.atomic():
            run = start_run(trigger=RunTrigger.SCHEDULE, day=local.date())
            destroy_expired_task.enqueue(run.pk)
    except IntegrityError:  # another worker queued today's run first
        return None
    return run


def run_destruction(run_id: int, *, job_id: str = "", now: dt.datetime | None = None) -> int:
    """The job: finish run `run_id` (again after a kill); returns how many records it erased."""
    run = RetentionRun.objects.get(pk=run_id)
    if run.finished_at is None:
        if job_id and run.job_id != job_id:
            run.job_id = job_id
            run.save(update_fields=["job_id"])
        destroy_expired(run, now=now)
    return sum(run.records.values_list("count", flat=True))
