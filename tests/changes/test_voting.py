"""CAB voting: the pure rule (exhaustively) and the use case around it."""

from __future__ import annotations

import pytest

from khedmat.accounts.models import User
from khedmat.changes import errors, services
from khedmat.changes.choices import ChangeStatus, VotingRule
from khedmat.changes.models import ChangeBoard, ChangeVote
from khedmat.changes.services import board_decision
from khedmat.core.models import Activity
from tests.changes.conftest import NOW, MakeChange

A, R = "authorised", "rejected"


def expected(rule: str, members: int, approvals: int, rejections: int) -> str | None:
    """The rule written out a second, plainer way."""
    if members == 0:
        return None
    if rule == VotingRule.ANY:
        return A if approvals > 0 else (R if rejections == members else None)
    if rule == VotingRule.ALL:
        return R if rejections > 0 else (A if approvals == members else None)
    if approvals > members / 2:
        return A
    # approval impossible: even if everyone left approves, no majority
    return R if approvals + (members - approvals - rejections) <= members / 2 else None


@pytest.mark.parametrize("rule", list(VotingRule))
@pytest.mark.parametrize("members", range(0, 8))
def test_board_decision_for_every_possible_count(rule: str, members: int) -> None:
    for approvals in range(members + 1):
        for rejections in range(members + 1 - approvals):
            got = board_decision(rule, members, approvals, rejections)
            assert got == expected(rule, members, approvals, rejections), (
                rule,
                members,
                approvals,
                rejections,
            )


@pytest.mark.parametrize(
    ("rule", "members", "approvals", "rejections", "decision"),
    [
        (VotingRule.ANY, 3, 1, 2, A),
        (VotingRule.ANY, 3, 0, 2, None),
        (VotingRule.ANY, 3, 0, 3, R),
        (VotingRule.ALL, 3, 2, 0, None),
        (VotingRule.ALL, 3, 3, 0, A),
        (VotingRule.ALL, 3, 2, 1, R),
        (VotingRule.MAJORITY, 3, 2, 0, A),
        (VotingRule.MAJORITY, 3, 1, 1, None),
        (VotingRule.MAJORITY, 3, 0, 2, R),
        # an even board: a tie rejects (no majority can come), half the approvals do not pass
        (VotingRule.MAJORITY, 4, 2, 0, None),
        (VotingRule.MAJORITY, 4, 2, 2, R),
        (VotingRule.MAJORITY, 4, 0, 2, R),
        (VotingRule.MAJORITY, 4, 3, 1, A),
        (VotingRule.MAJORITY, 2, 1, 0, None),
        (VotingRule.MAJORITY, 2, 1, 1, R),
        (VotingRule.MAJORITY, 1, 1, 0, A),
        (VotingRule.MAJORITY, 0, 0, 0, None),
    ],
)
def test_board_decision_examples(
    rule: str, members: int, approvals: int, rejections: int, decision: str | None
) -> None:
    assert board_decision(rule, members, approvals, rejections) == decision


def test_unknown_rule_is_an_error() -> None:
    with pytest.raises(ValueError):
        board_decision("dictator", 3, 1, 0)


def test_majority_of_three_authorises_on_the_second_approval(
    make_change: MakeChange, members: list[User]
) -> None:
    change = make_change(ChangeStatus.ASSESSMENT)
    change = services.vote_on_change(change, voter=members[0], vote="approve", now=NOW)
    assert change.status == ChangeStatus.ASSESSMENT
    change = services.vote_on_change(change, voter=members[1], vote="approve", now=NOW)
    change.refresh_from_db()
    assert change.status == ChangeStatus.AUTHORISED
    verbs = list(Activity.objects.for_target(change).order_by("id").values_list("verb", flat=True))
    assert verbs[-3:] == ["change.voted", "change.voted", "change.authorised"]


def test_majority_of_three_rejects_on_the_second_rejection(
    make_change: MakeChange, members: list[User]
) -> None:
    change = make_change(ChangeStatus.ASSESSMENT)
    services.vote_on_change(change, voter=members[0], vote="reject", note="Too risky.", now=NOW)
    change = services.vote_on_change(
        change, voter=members[1], vote="reject", note="Not tested.", now=NOW
    )
    change.refresh_from_db()
    assert (change.status, change.decision_note) == (ChangeStatus.REJECTED, "Not tested.")


def test_all_rule_rejects_at_the_first_rejection(
    make_change: MakeChange, members: list[User], cab: ChangeBoard
) -> None:
    cab.rule = VotingRule.ALL
    cab.save()
    change = make_change(ChangeStatus.ASSESSMENT)
    services.vote_on_change(change, voter=members[0], vote="approve", now=NOW)
    change = services.vote_on_change(change, voter=members[1], vote="reject", note="No.", now=NOW)
    assert change.status == ChangeStatus.REJECTED


def test_vote_by_a_non_member_is_refused(make_change: MakeChange, requester: User) -> None:
    change = make_change(ChangeStatus.ASSESSMENT)
    with pytest.raises(errors.NotBoardMemberError):
        services.vote_on_change(change, voter=requester, vote="approve", now=NOW)
    assert not ChangeVote.objects.exists()


def test_second_vote_is_refused(make_change: MakeChange, members: list[User]) -> None:
    change = make_change(ChangeStatus.ASSESSMENT)
    services.vote_on_change(change, voter=members[0], vote="approve", now=NOW)
    with pytest.raises(errors.AlreadyVotedError):
        services.vote_on_change(change, voter=members[0], vote="reject", note="Oops.", now=NOW)
    assert list(ChangeVote.objects.values_list("vote", flat=True)) == ["approve"]


def test_rejection_without_a_note_is_refused(make_change: MakeChange, members: list[User]) -> None:
    change = make_change(ChangeStatus.ASSESSMENT)
    with pytest.raises(errors.NoteRequiredError):
        services.vote_on_change(change, voter=members[0], vote="reject", now=NOW)
    assert not ChangeVote.objects.exists()


@pytest.mark.parametrize("status", [ChangeStatus.DRAFT, ChangeStatus.AUTHORISED])
def test_vote_outside_assessment_is_refused(
    make_change: MakeChange, members: list[User], status: str
) -> None:
    change = make_change(status)
    before = ChangeVote.objects.count()
    with pytest.raises(errors.TransitionError):
        services.vote_on_change(change, voter=members[2], vote="approve", now=NOW)
    assert ChangeVote.objects.count() == before
