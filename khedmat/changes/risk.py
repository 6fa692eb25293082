"""The risk score of a change: the points of the answers to the active risk questions, and the
level the score falls in."""

from __future__ import annotations

from collections.abc import Mapping

from khedmat.changes.choices import RiskLevel
from khedmat.changes.errors import RiskAnswerError
from khedmat.changes.models import RiskQuestion

#: A score below this is low risk.
MEDIUM_FROM = 4
#: A score from this on is high risk.
HIGH_FROM = 8


def level_for(points: int) -> str:
    """The risk level of a score: low < MEDIUM_FROM <= medium < HIGH_FROM <= high."""
    if points >= HIGH_FROM:
        return RiskLevel.HIGH
    if points >= MEDIUM_FROM:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


def active_questions() -> list[RiskQuestion]:
    return list(RiskQuestion.objects.filter(is_active=True).order_by("position", "code"))


def score(answers: Mapping[str, str]) -> tuple[int, str]:
    """(score, level) of `answers` ({question code: answer value}) over the active questions.

    Every active question must be answered with one of its values; answers to other (inactive or
    unknown) questions are refused too, so a stored assessment means what it says.
    """
    questions = active_questions()
    known = {question.code for question in questions}
    if set(answers) - known:
        raise RiskAnswerError()
    total = 0
    for question in questions:
        value = answers.get(question.code)
        points = {str(answer["value"]): int(answer["points"]) for answer in question.answers}
        if value is None or value not in points:
            raise RiskAnswerError()
        total += points[value]
    return total, level_for(total)
