"""The risk questionnaire's score and level."""

from __future__ import annotations

import pytest

from khedmat.changes import errors, risk
from khedmat.changes.choices import RiskLevel
from khedmat.changes.models import RiskQuestion
from tests.changes.conftest import HIGH_RISK, LOW_RISK


@pytest.mark.parametrize(
    ("points", "level"),
    [
        (0, RiskLevel.LOW),
        (risk.MEDIUM_FROM - 1, RiskLevel.LOW),
        (risk.MEDIUM_FROM, RiskLevel.MEDIUM),
        (risk.HIGH_FROM - 1, RiskLevel.MEDIUM),
        (risk.HIGH_FROM, RiskLevel.HIGH),
        (40, RiskLevel.HIGH),
    ],
)
def test_levels_and_thresholds(points: int, level: str) -> None:
    assert (risk.MEDIUM_FROM, risk.HIGH_FROM) == (4, 8)
    assert risk.level_for(points) == level


def test_score_of_the_seeded_questionnaire(db: None) -> None:
    assert risk.score(HIGH_RISK) == (11, RiskLevel.HIGH)
    assert risk.score(LOW_RISK) == (0, RiskLevel.LOW)
    medium = {**LOW_RISK, "downtime": "yes"}
    assert risk.score(medium) == (4, RiskLevel.MEDIUM)


@pytest.mark.parametrize(
    "answers",
    [
        {key: value for key, value in LOW_RISK.items() if key != "users"},  # one unanswered
        {**LOW_RISK, "users": "some"},  # not one of its values
        {**LOW_RISK, "weather": "sunny"},  # no such question
    ],
)
def test_incomplete_or_foreign_answers_are_refused(db: None, answers: dict[str, str]) -> None:
    with pytest.raises(errors.RiskAnswerError):
        risk.score(answers)


def test_inactive_questions_are_not_asked(db: None) -> None:
    RiskQuestion.objects.filter(code="users").update(is_active=False)
    answers = {key: value for key, value in HIGH_RISK.items() if key != "users"}
    assert risk.score(answers) == (9, RiskLevel.HIGH)
