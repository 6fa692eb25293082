"""The compliance report's filter form; dates typed as Jalali or Gregorian, in any digits."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import Team
from khedmat.core.forms import LocalDateField
from khedmat.sla.choices import TargetKind


class ComplianceReportForm(forms.Form):
    """Which period, service, team and measure the report covers."""

    date_from = LocalDateField(label=_("From"), required=False)
    date_to = LocalDateField(label=_("To"), required=False)
    service = forms.ChoiceField(label=_("Service"), required=False)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("All teams")
    )
    kind = forms.ChoiceField(label=_("Measure"), choices=TargetKind.choices, required=False)

    def __init__(
        self, *args: Any, services: list[str], teams: QuerySet[Team], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        service = cast(forms.ChoiceField, self.fields["service"])
        service.choices = [("", _("All services"))] + [(key, key) for key in services]
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = teams
        # Resolution first: it is what an empty filter means.
        kind = cast(forms.ChoiceField, self.fields["kind"])
        kind.choices = sorted(TargetKind.choices, key=lambda item: item[0] != TargetKind.RESOLUTION)
        for name, field in self.fields.items():
            css = "form-select" if name in {"service", "team", "kind"} else "form-control"
            field.widget.attrs["class"] = f"{css} form-{css.split('-')[1]}-sm"

    def clean(self) -> dict[str, Any]:
        """Default to the last 30 days; refuse a period that ends before it starts."""
        data = super().clean() or {}
        today = timezone.localdate()
        data["date_to"] = data.get("date_to") or today
        data["date_from"] = data.get("date_from") or data["date_to"] - dt.timedelta(days=29)
        data["kind"] = data.get("kind") or TargetKind.RESOLUTION
        if data["date_from"] > data["date_to"]:
            raise ValidationError(_("The period ends before it starts."))
        return data
