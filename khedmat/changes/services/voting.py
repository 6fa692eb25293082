"""Deciding a change: the board's votes and rule, the change manager's final say, withdrawal."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import User
from khedmat.changes.choices import (
    ChangeStatus,
    Vote,
    VotingRule,
)
from khedmat.changes.errors import (
    AlreadyVotedError,
    ChangeError,
    NotBoardMemberError,
    NotChangeManagerError,
    TransitionError,
)
from khedmat.changes.models import Change, ChangeVote
from khedmat.changes.services.common import (
    AUTHORISED,
    REJECTED,
    locked,
    move,
    require_note,
)
from khedmat.core.actors import Actor
from khedmat.core.services import record_activity


def board_decision(rule: str, members: int, approvals: int, rejections: int) -> str | None:
    """What a board's votes decide so far: "authorised", "rejected" or None (not yet).

    ANY: the first approval authorises; rejected only when every member rejected.
    ALL: rejected at the first rejection; authorised when every member approved.
    MAJORITY: authorised when approvals > members / 2; rejected when rejections >= members / 2
    (then a majority of approvals is out of reach).
    A board without members decides nothing: the change manager decides.
    """
    if members <= 0:
        return None
    if rule == VotingRule.ANY:
        if approvals >= 1:
            return AUTHORISED
        return REJECTED if rejections >= members else None
    if rule == VotingRule.ALL:
        if rejections >= 1:
            return REJECTED
        return AUTHORISED if approvals >= members else None
    if rule == VotingRule.MAJORITY:
        if approvals * 2 > members:
            return AUTHORISED
        return REJECTED if rejections * 2 >= members else None
    raise ValueError(f"unknown voting rule {rule!r}")


def vote_on_change(
    change: Change, *, voter: User, vote: str, note: str = "", now: dt.datetime | None = None
) -> Change:
    """A board member approves or rejects (a rejection says why); the board's rule may decide."""
    if vote not in Vote.values:
        raise ChangeError(_("Approve or reject."))
    note = (note or "").strip()
    if vote == Vote.REJECT:
        require_note(note)
    now = now or timezone.now()
    with transaction.atomic():
        change = locked(change)
        if change.status != ChangeStatus.ASSESSMENT or change.board is None:
            raise TransitionError()
        board = change.board
        if not board.members.filter(pk=voter.pk).exists():
            raise NotBoardMemberError()
        if ChangeVote.objects.filter(change=change, voter=voter).exists():
            raise AlreadyVotedError()
        try:
            with transaction.atomic():
                ChangeVote.objects.create(
                    change=change, voter=voter, vote=vote, note=note, created_at=now
                )
        except IntegrityError as error:
            raise AlreadyVotedError() from error
        record_activity(change, "change.voted", actor=voter, new=vote, data={"note": note})
        votes = list(ChangeVote.objects.filter(change=change).values_list("vote", flat=True))
        decision = board_decision(
            board.rule,
            board.members.count(),
            votes.count(Vote.APPROVE),
            votes.count(Vote.REJECT),
        )
        if decision is not None:
            verb = "change.authorised" if decision == AUTHORISED else "change.rejected"
            move(change, decision, actor=voter, verb=verb, now=now, data={"by": "board"})
            if decision == REJECTED:
                change.decision_note = note
            change.save(update_fields=["status", "status_changed_at", "decision_note"])
    return change


def decide_change(
    change: Change, *, actor: User, approve: bool, note: str, now: dt.datetime | None = None
) -> Change:
    """The change manager authorises or rejects a change under assessment, whatever the votes."""
    if not actor.has_perm("changes.decide_change"):
        raise NotChangeManagerError()
    note = require_note(note)
    with transaction.atomic():
        change = locked(change)
        if change.status != ChangeStatus.ASSESSMENT:
            raise TransitionError()
        decision = AUTHORISED if approve else REJECTED
        verb = "change.authorised" if approve else "change.rejected"
        move(
            change, decision, actor=actor, verb=verb, now=now, data={"by": "manager", "note": note}
        )
        change.decision_note = note
        change.save(update_fields=["status", "status_changed_at", "decision_note"])
    return change


def withdraw_change(change: Change, *, actor: Actor, note: str = "") -> Change:
    """Take a change back from assessment to draft; its votes are cleared."""
    with transaction.atomic():
        change = locked(change)
        if change.status != ChangeStatus.ASSESSMENT:
            raise TransitionError()
        cleared, _by_model = ChangeVote.objects.filter(change=change).delete()
        move(
            change,
            ChangeStatus.DRAFT,
            actor=actor,
            verb="change.withdrawn",
            data={"votes_cleared": cleared, "note": note.strip()},
        )
        change.board = None
        change.save(update_fields=["status", "status_changed_at", "board"])
    return change
