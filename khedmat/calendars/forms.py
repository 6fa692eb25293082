"""Forms of the calendar admin: dates typed as Jalali or Gregorian, the closure announcement."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.widgets import AdminDateWidget, AdminTimeWidget
from django.utils.translation import gettext_lazy as _

from khedmat.calendars.choices import HolidayKind, Weekday
from khedmat.calendars.models import CalendarScope, HoursOverride
from khedmat.core.forms import LocalDateField


class JalaliOrGregorianDateField(LocalDateField):
    """A date typed as Jalali (1405/01/25) or Gregorian (2026-04-14), in any digits (core's parser)."""


class AnnounceClosureForm(forms.Form):
    """An ad-hoc closure: when, where, what it is called, and whether applicants are told."""

    date = JalaliOrGregorianDateField(
        label=_("First day"),
        widget=AdminDateWidget,
        help_text=_("Gregorian (2026-04-14) or Jalali (1405/01/25)."),
    )
    end_date = JalaliOrGregorianDateField(
        label=_("Last day"),
        required=False,
        widget=AdminDateWidget,
        help_text=_("Empty: a one-day closure."),
    )
    scope = forms.ModelChoiceField(
        label=_("Where"),
        queryset=CalendarScope.objects.order_by("kind", "name_fa"),
        help_text=_("A country, province, city, agency or unit."),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=HolidayKind.choices,
        initial=HolidayKind.ADMINISTRATIVE_CLOSURE,
        help_text=_("Administrative closures do not close units that stay open for them (banks)."),
    )
    name_fa = forms.CharField(label=_("Name (Persian)"), max_length=300)
    name_ar = forms.CharField(label=_("Name (Arabic)"), max_length=300, required=False)
    name_en = forms.CharField(label=_("Name (English)"), max_length=300, required=False)
    starts_at = forms.TimeField(
        label=_("Closed from"),
        required=False,
        widget=AdminTimeWidget,
        help_text=_("Empty: the whole day."),
    )
    ends_at = forms.TimeField(label=_("Closed until"), required=False, widget=AdminTimeWidget)
    source = forms.CharField(
        label=_("Source"),
        max_length=300,
        required=False,
        help_text=_("The decision or notice, e.g. the governor's announcement."),
    )
    notify_applicants = forms.BooleanField(
        label=_("Tell affected applicants"),
        required=False,
        help_text=_("Send the applicants whose promised dates move a message."),
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        """The last day is not before the first; a time window ends after it starts."""
        data = super().clean() or {}
        first, last = data.get("date"), data.get("end_date")
        if first and last and last < first:
            self.add_error("end_date", _("The last day must not be before the first day."))
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The closure must end after it starts."))
        return data


class HoursOverrideForm(forms.ModelForm):
    """The override's weekdays as checkboxes."""

    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"),
        choices=Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every working day in the range."),
    )

    class Meta:
        model = HoursOverride
        fields = [
            "name",
            "scope",
            "start_date",
            "end_date",
            "weekdays",
            "mode",
            "opens_at",
            "closes_at",
            "late_start_minutes",
            "early_end_minutes",
            "note",
        ]
