"""Forms of the change pages: filters of the list, a new change (with the risk questionnaire),
the edit of a change, and one small form per action on a change."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django import forms
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import Team
from khedmat.catalog.formbuilder.fields import LocalTimeField
from khedmat.changes.choices import ChangeKind, ChangeStatus, ReviewOutcome, RiskLevel, Vote
from khedmat.changes.models import Change, ChangeTemplate, RiskQuestion
from khedmat.changes.services import common as rules
from khedmat.cmdb.models import ConfigurationItem
from khedmat.core.dates import jalali_numeric
from khedmat.core.forms import LocalDateField

_TEXT = {"class": "form-control form-control-sm"}
_SELECT = {"class": "form-select form-select-sm"}
_AREA = {"class": "form-control form-control-sm", "rows": 3}


def _answer_label(answer: dict[str, Any]) -> str:
    language = (translation.get_language() or "fa")[:2]
    return str(answer.get(f"label_{language}") or answer.get("label_fa") or answer.get("value"))


def risk_fields(questions: list[RiskQuestion], *, required: bool) -> dict[str, forms.Field]:
    """One radio group per active question, named `risk_<code>`, labels in the active language."""
    return {
        f"risk_{question.code}": forms.ChoiceField(
            label=question.text,
            choices=[(a.get("value"), _answer_label(a)) for a in question.answers],
            widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            required=required,
        )
        for question in questions
    }


def local_moment(day: dt.date | None, time: dt.time | None) -> dt.datetime | None:
    """A typed date and time in the active time zone, or None when either is missing."""
    if day is None or time is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, time))


class WindowMixin(forms.Form):
    """Planned window typed as two dates and two times."""

    start_date = LocalDateField(label=_("Start date"), required=False)
    start_time = LocalTimeField(label=_("Start time"), required=False)
    end_date = LocalDateField(label=_("End date"), required=False)
    end_time = LocalTimeField(label=_("End time"), required=False)

    def window(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        data = self.cleaned_data
        return (
            local_moment(data.get("start_date"), data.get("start_time")),
            local_moment(data.get("end_date"), data.get("end_time")),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for part in ("start", "end"):
            if bool(data.get(f"{part}_date")) != bool(data.get(f"{part}_time")):
                self.add_error(f"{part}_time", _("Give both the date and the time."))
        start, end = self.window()
        if start and end and end <= start:
            self.add_error("end_date", _("The planned window must end after it starts."))
        return data


class ChangeFilterForm(forms.Form):
    """Filters of the change list."""

    q = forms.CharField(
        label=_("Words or code"),
        required=False,
        widget=forms.TextInput(attrs={**_TEXT, "type": "search"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), *list(ChangeStatus.choices)],
        widget=forms.Select(attrs=_SELECT),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("Any")), *list(ChangeKind.choices)],
        widget=forms.Select(attrs=_SELECT),
    )
    risk = forms.ChoiceField(
        label=_("Risk"),
        required=False,
        choices=[("", _("Any")), *list(RiskLevel.choices)],
        widget=forms.Select(attrs=_SELECT),
    )

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {"status": "", "kind": "", "risk": "", "text": ""}
        data = self.cleaned_data
        return {
            "status": data["status"],
            "kind": data["kind"],
            "risk": data["risk"],
            "text": data["q"],
        }


class ChangeForm(WindowMixin):
    """A new request for change; the risk questionnaire follows the plans."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=ChangeKind.choices, widget=forms.Select(attrs=_SELECT)
    )
    template = forms.ModelChoiceField(
        label=_("Standard change template"),
        queryset=ChangeTemplate.objects.filter(is_active=True),
        required=False,
        widget=forms.Select(attrs=_SELECT),
    )
    title = forms.CharField(label=_("Title"), max_length=300, widget=forms.TextInput(attrs=_TEXT))
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs=_AREA)
    )
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs=_AREA))
    items = forms.ModelMultipleChoiceField(
        label=_("Configuration items affected"),
        queryset=ConfigurationItem.objects.select_related("ci_type").order_by("code"),
        required=False,
        widget=forms.SelectMultiple(attrs={**_SELECT, "size": 8}),
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.order_by("name"),
        required=False,
        widget=forms.Select(attrs=_SELECT),
    )
    implementation_plan = forms.CharField(
        label=_("Implementation plan"), required=False, widget=forms.Textarea(attrs=_AREA)
    )
    backout_plan = forms.CharField(
        label=_("Back-out plan"), required=False, widget=forms.Textarea(attrs=_AREA)
    )
    test_plan = forms.CharField(
        label=_("Test plan"), required=False, widget=forms.Textarea(attrs=_AREA)
    )

    WINDOW_FIELDS: ClassVar[tuple[str, ...]] = ("start_date", "start_time", "end_date", "end_time")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.WINDOW_FIELDS:
            self.fields[name].widget.attrs.setdefault("class", "form-control form-control-sm")
        self.questions = list(RiskQuestion.objects.filter(is_active=True))
        self.fields.update(risk_fields(self.questions, required=False))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("kind")
        if kind == ChangeKind.STANDARD:
            if not data.get("template"):
                self.add_error("template", _("A standard change follows a template: choose one."))
        elif kind:
            data["template"] = None
            for name in ("implementation_plan", "backout_plan"):
                if not (data.get(name) or "").strip():
                    self.add_error(name, _("Write the implementation and back-out plans."))
        return data

    @property
    def risk_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("risk_")]

    @property
    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith("risk_")]

    def answers(self) -> dict[str, str]:
        """The questionnaire's answers, by question code (empty when none was answered)."""
        return {
            question.code: self.cleaned_data[f"risk_{question.code}"]
            for question in self.questions
            if self.cleaned_data.get(f"risk_{question.code}")
        }

    def request(self) -> dict[str, Any]:
        """Keyword arguments of services.request_change (without the actor)."""
        data = self.cleaned_data
        start, end = self.window()
        return {
            "title": data["title"],
            "kind": data["kind"],
            "description": data["description"],
            "reason": data["reason"],
            "items": list(data["items"]),
            "template": data["template"],
            "team": data["team"],
            "implementation_plan": data["implementation_plan"],
            "backout_plan": data["backout_plan"],
            "test_plan": data["test_plan"],
            "planned_start": start,
            "planned_end": end,
        }


# --- editing a change -------------------------------------------------------------------------


def editable_fields(change: Change) -> frozenset[str]:
    """What services.update_change lets a person set on `change` in its status: a draft's fields,
    during assessment only the plans and the window, nothing later; a standard change keeps the
    plans of its template."""
    if change.status == ChangeStatus.DRAFT:
        allowed = rules.DRAFT_FIELDS
    elif change.status == ChangeStatus.ASSESSMENT:
        allowed = rules.ASSESSMENT_FIELDS
    else:
        return frozenset()
    if change.kind == ChangeKind.STANDARD:
        allowed = allowed - rules.PLAN_FIELDS
    return allowed


def _minute(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored moment as the form types it (to the minute)."""
    return moment.replace(second=0, microsecond=0) if moment else None


def _same_text(typed: str, stored: str) -> bool:
    return typed.replace("\r\n", "\n") == (stored or "").strip().replace("\r\n", "\n")


class ChangeEditForm(ChangeForm):
    """The new-change form pre-filled from a change, without its kind, template and risk
    questionnaire (the risk has its own action), and only with the fields its status lets change
    (`editable`; none once the change can no longer be edited)."""

    #: The change's field each typed field of the window sets.
    WINDOW_OF: ClassVar[dict[str, str]] = {
        "start_date": "planned_start",
        "start_time": "planned_start",
        "end_date": "planned_end",
        "end_time": "planned_end",
    }
    TEXT_FIELDS: ClassVar[tuple[str, ...]] = (
        "title",
        "description",
        "reason",
        "implementation_plan",
        "backout_plan",
        "test_plan",
    )

    def __init__(self, *args: Any, change: Change, **kwargs: Any) -> None:
        kwargs.setdefault("initial", self.initial_of(change))
        super().__init__(*args, **kwargs)
        self.change = change
        self.editable = editable_fields(change)
        self.questions = []
        for name in list(self.fields):
            if self.WINDOW_OF.get(name, name) not in self.editable:
                del self.fields[name]

    @classmethod
    def initial_of(cls, change: Change) -> dict[str, Any]:
        """The form's values as the change stores them (dates typed as Jalali, times HH:MM)."""
        initial: dict[str, Any] = {name: getattr(change, name) for name in cls.TEXT_FIELDS}
        initial["team"] = change.team_id
        initial["items"] = [item.pk for item in change.items.all()]
        for part, moment in (("start", change.planned_start), ("end", change.planned_end)):
            if moment is not None:
                local = timezone.localtime(moment)
                initial[f"{part}_date"] = jalali_numeric(local)
                initial[f"{part}_time"] = local.time().replace(second=0, microsecond=0)
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in ("implementation_plan", "backout_plan"):
            if name in self.fields and not (data.get(name) or "").strip():
                self.add_error(name, _("Write the implementation and back-out plans."))
        return data

    def updates(self) -> dict[str, Any]:
        """Keyword arguments of services.update_change (without the actor): only what was typed
        differently from the change, so that its Activity row names what changed."""
        data, change = self.cleaned_data, self.change
        updates: dict[str, Any] = {
            name: data[name]
            for name in self.TEXT_FIELDS
            if name in self.fields and not _same_text(data[name], getattr(change, name))
        }
        if "team" in self.fields and (data["team"].pk if data["team"] else None) != change.team_id:
            updates["team"] = data["team"]
        if "items" in self.fields:
            chosen = list(data["items"])
            if {item.pk for item in chosen} != {item.pk for item in change.items.all()}:
                updates["items"] = chosen
        if "start_date" in self.fields:
            start, end = self.window()
            if start != _minute(change.planned_start):
                updates["planned_start"] = start
            if end != _minute(change.planned_end):
                updates["planned_end"] = end
        return updates


# --- actions on a change ----------------------------------------------------------------------


class ActionForm(forms.Form):
    """An action without fields (submit, start, complete)."""

    def __init__(self, *args: Any, change: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.change = change


class NoteActionForm(ActionForm):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs=_AREA))


class RequiredNoteForm(ActionForm):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs=_AREA))


class AssessForm(ActionForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(RiskQuestion.objects.filter(is_active=True))
        self.fields.update(risk_fields(self.questions, required=True))

    def answers(self) -> dict[str, str]:
        return {q.code: self.cleaned_data[f"risk_{q.code}"] for q in self.questions}


class VoteForm(ActionForm):
    vote = forms.ChoiceField(
        label=_("Your vote"),
        choices=Vote.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    note = forms.CharField(
        label=_("Note (required to reject)"),
        required=False,
        widget=forms.Textarea(attrs=_AREA),
    )


class DecideForm(ActionForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Authorise")), ("reject", _("Reject"))],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs=_AREA))


class ScheduleForm(WindowMixin, ActionForm):
    """Schedule in the planned window, or in a new one typed here."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("start_date", "start_time", "end_date", "end_time"):
            self.fields[name].widget.attrs.setdefault("class", "form-control form-control-sm")


class ReviewForm(ActionForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=ReviewOutcome.choices, widget=forms.Select(attrs=_SELECT)
    )
    note = forms.CharField(label=_("Review"), widget=forms.Textarea(attrs=_AREA))


#: Each action's form and button label.
CHANGE_ACTIONS: dict[str, tuple[type[ActionForm], Promise]] = {
    "submit": (ActionForm, _("Submit for approval")),
    "assess": (AssessForm, _("Assess the risk")),
    "vote": (VoteForm, _("Vote")),
    "decide": (DecideForm, _("Decide")),
    "schedule": (ScheduleForm, _("Schedule")),
    "unschedule": (NoteActionForm, _("Take off the schedule")),
    "start": (ActionForm, _("Start implementation")),
    "complete": (ActionForm, _("Implementation completed")),
    "back_out": (RequiredNoteForm, _("Failed: back out")),
    "review": (ReviewForm, _("Write the review")),
    "withdraw": (NoteActionForm, _("Withdraw to draft")),
}
