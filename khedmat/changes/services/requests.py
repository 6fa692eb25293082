"""Requesting a change: record it, edit it, assess its risk, submit it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import Team, User
from khedmat.changes import risk
from khedmat.changes.choices import (
    ChangeKind,
    ChangeStatus,
)
from khedmat.changes.errors import (
    ChangeError,
    NoBoardError,
    NotEditableError,
    PlanMissingError,
    RiskMissingError,
    TemplateRequiredError,
    TransitionError,
    WindowMissingError,
)
from khedmat.changes.models import Change, ChangeBoard, ChangeTemplate
from khedmat.changes.services.common import (
    ASSESSMENT_FIELDS,
    DRAFT_FIELDS,
    PLAN_FIELDS,
    WINDOW_FIELDS,
    ItemsArg,
    actor_user,
    check_freezes,
    check_window,
    locked,
    move,
    new_code,
)
from khedmat.core.actors import Actor
from khedmat.core.services import record_activity


def request_change(
    *,
    title: str,
    kind: str,
    actor: User,
    description: str = "",
    reason: str = "",
    items: ItemsArg = (),
    template: ChangeTemplate | None = None,
    team: Team | None = None,
    implementation_plan: str = "",
    backout_plan: str = "",
    test_plan: str = "",
    planned_start: dt.datetime | None = None,
    planned_end: dt.datetime | None = None,
) -> Change:
    """Record a request for change as a draft with a new change code.

    A standard change follows an active template and takes its plans (and its description when
    none is given)."""
    if kind not in ChangeKind.values:
        raise ChangeError(_("Choose a kind of change."))
    if kind == ChangeKind.STANDARD:
        if template is None or not template.is_active:
            raise TemplateRequiredError()
        implementation_plan = template.implementation_plan
        backout_plan = template.backout_plan
        test_plan = template.test_plan
        description = description or template.description
    elif template is not None:
        raise ChangeError(_("Only a standard change follows a template."))
    check_window(planned_start, planned_end)
    with transaction.atomic():
        change = Change.objects.create(
            tracking_code=new_code(),
            title=title.strip(),
            kind=kind,
            template=template,
            description=description,
            reason=reason,
            team=team,
            implementation_plan=implementation_plan,
            backout_plan=backout_plan,
            test_plan=test_plan,
            planned_start=planned_start,
            planned_end=planned_end,
            requested_by=actor,
        )
        change.items.set(list(items))
        record_activity(
            change,
            "change.requested",
            actor=actor_user(actor),
            new=change.status,
            data={"kind": kind},
        )
    return change


def update_change(change: Change, *, actor: Actor, **fields: Any) -> Change:
    """Edit a draft; during assessment only the plans and the planned window may change (and a
    new window must still keep out of freezes)."""
    with transaction.atomic():
        change = locked(change)
        if change.status == ChangeStatus.DRAFT:
            allowed = DRAFT_FIELDS
        elif change.status == ChangeStatus.ASSESSMENT:
            allowed = ASSESSMENT_FIELDS
        else:
            raise NotEditableError()
        unknown = set(fields) - DRAFT_FIELDS
        if unknown:
            raise TypeError(f"update_change() cannot set {sorted(unknown)}")
        if set(fields) - allowed:
            raise NotEditableError()
        if change.kind == ChangeKind.STANDARD and set(fields) & PLAN_FIELDS:
            raise NotEditableError(_("A standard change keeps the plans of its template."))
        items = fields.pop("items", None)
        for name, value in fields.items():
            setattr(change, name, value.strip() if isinstance(value, str) else value)
        check_window(change.planned_start, change.planned_end)
        if fields:
            change.save(update_fields=[*fields])
        if items is not None:
            change.items.set(list(items))
        if change.status == ChangeStatus.ASSESSMENT and fields.keys() & WINDOW_FIELDS:
            check_freezes(change)
        changed = sorted([*fields, *(["items"] if items is not None else [])])
        record_activity(change, "change.updated", actor=actor_user(actor), data={"fields": changed})
    return change


def assess_risk(change: Change, answers: Mapping[str, str], *, actor: Actor) -> Change:
    """Score the answers to the risk questionnaire and keep them with the score and level."""
    with transaction.atomic():
        change = locked(change)
        if change.status not in (ChangeStatus.DRAFT, ChangeStatus.ASSESSMENT):
            raise NotEditableError()
        points, level = risk.score(answers)
        old = {"score": change.risk_score, "level": change.risk_level}
        change.risk_answers = dict(answers)
        change.risk_score = points
        change.risk_level = level
        change.save(update_fields=["risk_answers", "risk_score", "risk_level"])
        record_activity(
            change,
            "change.risk_assessed",
            actor=actor_user(actor),
            old=old,
            new={"score": points, "level": level},
        )
    return change


def _check_ready(change: Change) -> None:
    if not change.implementation_plan.strip() or not change.backout_plan.strip():
        raise PlanMissingError()
    if change.planned_start is None or change.planned_end is None:
        raise WindowMissingError()
    if change.kind != ChangeKind.STANDARD and not change.risk_answers:
        raise RiskMissingError()


def submit_change(change: Change, *, actor: Actor, now: dt.datetime | None = None) -> Change:
    """Send a draft to its advisory board (normal, emergency) or straight to authorised (a
    standard change: its template is pre-approved)."""
    with transaction.atomic():
        change = locked(change)
        if change.status != ChangeStatus.DRAFT:
            raise TransitionError()
        _check_ready(change)
        check_freezes(change)
        data: dict[str, Any] = {"kind": change.kind}
        if change.kind == ChangeKind.STANDARD:
            if change.template is None or not change.template.is_active:
                raise TemplateRequiredError()
            new_status = ChangeStatus.AUTHORISED
            data["pre_approved"] = True
        else:
            board = ChangeBoard.objects.filter(change_kind=change.kind, is_active=True).first()
            if board is None:
                raise NoBoardError()
            change.board = board
            data["board"] = board.code
            new_status = ChangeStatus.ASSESSMENT
        move(change, new_status, actor=actor, verb="change.submitted", now=now, data=data)
        change.save(update_fields=["status", "status_changed_at", "board"])
    return change
