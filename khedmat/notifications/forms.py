"""Forms of the notifications pages: the staff list's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from khedmat.core.forms import LocalDateField
from khedmat.notifications.choices import Channel, MessageStatus
from khedmat.notifications.queries import MessageFilters

ANY = [("", _("Any"))]


class MessageFilterForm(forms.Form):
    """Status, channel, provider and a date range; every field optional."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=ANY + MessageStatus.choices
    )
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=ANY + Channel.choices)
    provider = forms.ChoiceField(label=_("Provider"), required=False, choices=ANY)
    date_from = LocalDateField(label=_("From"), required=False)
    date_to = LocalDateField(label=_("To"), required=False)

    def __init__(self, *args: Any, providers: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        provider = self.fields["provider"]
        assert isinstance(provider, forms.ChoiceField)
        provider.choices = ANY + [(name, name) for name in providers or []]
        for field in self.fields.values():
            css = "form-select form-select-sm" if isinstance(field, forms.ChoiceField) else ""
            field.widget.attrs.setdefault("class", css or "form-control form-control-sm")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def filters(self) -> MessageFilters:
        """The valid filters (an invalid field filters nothing)."""
        if not self.is_bound:
            return MessageFilters()
        self.is_valid()  # invalid fields are left out of cleaned_data
        data = self.cleaned_data
        return MessageFilters(
            status=data.get("status") or "",
            channel=data.get("channel") or "",
            provider=data.get("provider") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
