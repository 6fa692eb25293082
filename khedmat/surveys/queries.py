"""Reads for the survey report and the follow-up list, scoped to what a staff member may see.

A supervisor sees the invitations of their unit and the units below it (and those they handled);
administrators see all. Every grouping is one aggregate query over the invitations, joined to
their responses: the page's query count does not grow with the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, FloatField, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import Team, User
from khedmat.accounts.queries import unit_and_descendant_ids
from khedmat.catalog.models import Service
from khedmat.core.dates import JALALI_MONTHS
from khedmat.core.digits import localize_digits
from khedmat.core.translated import translated_text
from khedmat.surveys.choices import FollowUpStatus, QuestionKind
from khedmat.surveys.models import SurveyFollowUp, SurveyInvitation, SurveyQuestion

#: The report's period filter: days back from today (None = everything).
PERIODS: dict[str, tuple[Any, int | None]] = {
    "30": (_("Last 30 days"), 30),
    "90": (_("Last 3 months"), 90),
    "365": (_("Last 12 months"), 365),
    "all": (_("All time"), None),
}
DEFAULT_PERIOD = "365"


def _unit_ids(user: Any) -> set[int]:
    return unit_and_descendant_ids([user.org_unit_id]) if user.org_unit_id else set()


def invitations_visible_to(user: Any) -> QuerySet[SurveyInvitation]:
    """Invitations of the user's unit and below, and of requests they handled; all for admins."""
    if not getattr(user, "is_authenticated", False):
        return SurveyInvitation.objects.none()
    if user.is_administrator:
        return SurveyInvitation.objects.all()
    return SurveyInvitation.objects.filter(Q(org_unit_id__in=_unit_ids(user)) | Q(agent=user))


def follow_ups_visible_to(user: Any) -> QuerySet[SurveyFollowUp]:
    """Follow-ups assigned to the user's unit or a unit below it; all for administrators."""
    if not getattr(user, "is_authenticated", False):
        return SurveyFollowUp.objects.none()
    rows = SurveyFollowUp.objects.select_related(
        "org_unit", "response__invitation__ticket", "closed_by"
    )
    if user.is_administrator:
        return rows
    return rows.filter(org_unit_id__in=_unit_ids(user))


@dataclass
class ReportRow:
    """One group's numbers: invitations sent, responses, average and the average per axis."""

    label: str
    sent: int
    answered: int
    average: float | None
    axes: list[float | None] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Responses per invitation, as a percentage."""
        return round(100 * self.answered / self.sent, 1) if self.sent else 0.0


@dataclass
class SurveyReport:
    axes: list[SurveyQuestion]
    total: ReportRow
    by_service: list[ReportRow]
    by_team: list[ReportRow]
    by_agent: list[ReportRow]
    by_month: list[ReportRow]


def report_axes() -> list[SurveyQuestion]:
    """The 1–5 questions of the active surveys, one per key (the default survey's first)."""
    questions = SurveyQuestion.objects.filter(
        kind=QuestionKind.SCALE_1_5, definition__is_active=True
    ).order_by("definition__service_id", "definition_id", "position", "id")
    seen: dict[str, SurveyQuestion] = {}
    for question in questions:
        seen.setdefault(question.key, question)
    return list(seen.values())


def _aggregate(
    rows: QuerySet[SurveyInvitation], group: str | None, axes: list[SurveyQuestion]
) -> list[dict[str, Any]]:
    annotations: dict[str, Any] = {
        "sent": Count("id"),
        "answered": Count("response"),
        "average": Avg("response__average"),
    }
    for index, question in enumerate(axes):
        annotations[f"axis_{index}"] = Avg(
            Cast(KeyTextTransform(question.key, "response__scores"), FloatField())
        )
    if group is None:
        return [rows.order_by().aggregate(**annotations)]
    return list(rows.order_by().values(group).annotate(**annotations).order_by(group))


def _row(label: str, values: dict[str, Any], axes: list[SurveyQuestion]) -> ReportRow:
    def number(value: Any) -> float | None:
        return None if value is None else round(float(value), 2)

    return ReportRow(
        label=label,
        sent=values["sent"] or 0,
        answered=values["answered"] or 0,
        average=number(values["average"]),
        axes=[number(values[f"axis_{index}"]) for index in range(len(axes))],
    )


def month_label(key: str, language: str) -> str:
    """`آذر 1405` for a Jalali key in fa, `November 2026` (in the language) for a Gregorian one."""
    year, month = (int(part) for part in key.split("-"))
    if language == "fa":
        text = f"{JALALI_MONTHS[month - 1]} {year}"
    else:
        with translation.override(language):
            text = formats.date_format(dt.date(year, month, 1), "F Y")
    return localize_digits(text, language)


def survey_report(user: Any, *, period: str = DEFAULT_PERIOD) -> SurveyReport:
    """The report for the invitations the user may see, sent within the period."""
    language = (translation.get_language() or "fa")[:2]
    rows = invitations_visible_to(user)
    days = PERIODS.get(period, PERIODS[DEFAULT_PERIOD])[1]
    if days is not None:
        rows = rows.filter(sent_at__gte=timezone.now() - dt.timedelta(days=days))
    axes = report_axes()
    total = _row(str(_("All")), _aggregate(rows, None, axes)[0], axes)

    services = _aggregate(rows, "service_id", axes)
    titles = {
        item.pk: translated_text(item.current_version, "title", language) or item.code
        for item in Service.objects.filter(
            pk__in=[value["service_id"] for value in services]
        ).select_related("current_version")
    }
    teams = _aggregate(rows, "team_id", axes)
    team_names = dict(
        Team.objects.filter(pk__in=[value["team_id"] for value in teams]).values_list("pk", "name")
    )
    agents = _aggregate(rows, "agent_id", axes)
    agent_names = {
        person.pk: person.get_full_name() or person.username
        for person in User.objects.filter(pk__in=[value["agent_id"] for value in agents])
    }
    month_field = "jalali_month" if language == "fa" else "month"
    months = _aggregate(rows, month_field, axes)
    unknown = str(_("Not recorded"))
    return SurveyReport(
        axes=axes,
        total=total,
        by_service=[_row(titles.get(v["service_id"], unknown), v, axes) for v in services],
        by_team=[_row(team_names.get(v["team_id"], unknown), v, axes) for v in teams],
        by_agent=[_row(agent_names.get(v["agent_id"], unknown), v, axes) for v in agents],
        by_month=[_row(month_label(v[month_field], language), v, axes) for v in reversed(months)],
    )


def open_follow_ups(user: Any, *, limit: int = 20) -> list[SurveyFollowUp]:
    """The open follow-ups the user may see, newest first."""
    return list(follow_ups_visible_to(user).filter(status=FollowUpStatus.OPEN)[:limit])
