"""The survey form built from a definition's questions, and the follow-up closing form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from khedmat.core.digits import localize_digits
from khedmat.surveys.choices import SCALE
from khedmat.surveys.models import SurveyQuestion

SCALE_REQUIRED = _("Choose a score from 1 to 5.")


class SurveyForm(forms.Form):
    """One 1–5 radio scale per axis and a text box per free-text question."""

    def __init__(self, questions: list[SurveyQuestion], language: str, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            if question.is_scale:
                self.fields[question.key] = forms.TypedChoiceField(
                    label=question.label,
                    coerce=int,
                    required=question.is_required,
                    choices=[
                        (str(value), localize_digits(str(value), language)) for value in SCALE
                    ],
                    widget=forms.RadioSelect,
                    error_messages={"required": SCALE_REQUIRED, "invalid_choice": SCALE_REQUIRED},
                )
            else:
                self.fields[question.key] = forms.CharField(
                    label=question.label,
                    required=False,
                    max_length=2000,
                    widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
                )

    def scale_fields(self) -> list[forms.BoundField]:
        return [self[q.key] for q in self.questions if q.is_scale]

    def text_fields(self) -> list[forms.BoundField]:
        return [self[q.key] for q in self.questions if not q.is_scale]


class CloseFollowUpForm(forms.Form):
    """What the supervisor did about the low score (required)."""

    note = forms.CharField(
        label=_("What was done"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
