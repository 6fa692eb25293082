"""Forms of the work-item pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import User
from khedmat.processes.assignment import eligible_users
from khedmat.processes.models import WorkItem


class PersonChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class AssignForm(forms.Form):
    """Choose who holds a work item, among the people who may."""

    assignee = PersonChoiceField(
        label=_("Assign to"), queryset=User.objects.none(), empty_label=_("Choose a person")
    )

    def __init__(self, *args: Any, item: WorkItem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = eligible_users(item)
        field.widget.attrs["class"] = "form-select"
