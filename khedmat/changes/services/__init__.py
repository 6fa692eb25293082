"""Use cases of change enablement: request, edit, assess the risk, submit, vote, decide, schedule,
implement, back out, review, withdraw. Each is one transaction that refuses what the transition
table (`choices.CHANGE_TRANSITIONS`) or the rules forbid and writes its Activity row."""

from khedmat.changes.services.common import check_freezes, new_code
from khedmat.changes.services.lifecycle import (
    back_out_change,
    complete_change,
    review_change,
    schedule_change,
    start_change,
    unschedule_change,
)
from khedmat.changes.services.requests import (
    assess_risk,
    request_change,
    submit_change,
    update_change,
)
from khedmat.changes.services.voting import (
    board_decision,
    decide_change,
    vote_on_change,
    withdraw_change,
)

__all__ = [
    "assess_risk",
    "back_out_change",
    "board_decision",
    "check_freezes",
    "complete_change",
    "decide_change",
    "new_code",
    "request_change",
    "review_change",
    "schedule_change",
    "start_change",
    "submit_change",
    "unschedule_change",
    "update_change",
    "vote_on_change",
    "withdraw_change",
]
