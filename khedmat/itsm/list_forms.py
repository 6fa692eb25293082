"""The filters of the desk's incident and problem lists (the queue is a tab in the query string;
a saved view keeps both)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import Team
from khedmat.catalog.models import Service
from khedmat.itsm import queries
from khedmat.itsm.choices import IncidentStatus, ProblemStatus
from khedmat.itsm.forms import ServiceField, _select, _services
from khedmat.itsm.models import IncidentCategory
from khedmat.sla.choices import Priority


def _words() -> forms.CharField:
    return forms.CharField(
        label=_("Words or code"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "type": "search"}),
    )


def _priority() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Priority"),
        required=False,
        choices=[("", _("Any priority")), *reversed(Priority.choices)],
        widget=_select(),
    )


def _service() -> ServiceField:
    return ServiceField(
        label=_("Service"),
        required=False,
        to_field_name="code",
        empty_label=_("Any service"),
        queryset=Service.objects.none(),
        widget=_select(),
    )


class IncidentFilterForm(forms.Form):
    """The list's filters (the queue is a tab, kept in the query string)."""

    q = _words()
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *IncidentStatus.choices],
        widget=_select(),
    )
    priority = _priority()
    service = _service()
    category = forms.ModelChoiceField(
        label=_("Category"),
        required=False,
        to_field_name="code",
        empty_label=_("Any category"),
        queryset=IncidentCategory.objects.filter(is_active=True),
        widget=_select(),
    )
    age = forms.TypedChoiceField(
        label=_("Age"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("Any age")),
            *((str(index), bucket.label) for index, bucket in enumerate(queries.AGE_BUCKETS)),
        ],
        widget=_select(),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = _services()  # type: ignore[attr-defined]

    def filters(self) -> queries.IncidentFilters:
        """The filters asked for; none when the form is not valid."""
        if not self.is_bound or not self.is_valid():
            return queries.IncidentFilters()
        data = self.cleaned_data
        return queries.IncidentFilters(
            status=data["status"],
            priority=data["priority"],
            service=data["service"],
            category=data["category"],
            age=data["age"],
            text=data["q"].strip(),
        )


class ProblemFilterForm(forms.Form):
    """The problem list's filters."""

    q = _words()
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *ProblemStatus.choices],
        widget=_select(),
    )
    priority = _priority()
    service = _service()
    team = forms.ModelChoiceField(
        label=_("Team"),
        required=False,
        to_field_name="code",
        empty_label=_("Any team"),
        queryset=Team.objects.filter(is_active=True).order_by("name"),
        widget=_select(),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = _services()  # type: ignore[attr-defined]

    def filters(self) -> queries.ProblemFilters:
        """The filters asked for; none when the form is not valid."""
        if not self.is_bound or not self.is_valid():
            return queries.ProblemFilters()
        data = self.cleaned_data
        return queries.ProblemFilters(
            status=data["status"],
            priority=data["priority"],
            service=data["service"],
            team=data["team"],
            text=data["q"].strip(),
        )
