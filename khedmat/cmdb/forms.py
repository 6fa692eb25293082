"""Forms of the CMDB pages: the CI list's filters, a CI with its type's attributes built from data,
and a relation to another CI."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import Team
from khedmat.catalog.models import Service
from khedmat.cmdb import queries
from khedmat.cmdb.choices import AttributeKind, CiStatus, RelationKind
from khedmat.cmdb.models import CiAttribute, CiType, ConfigurationItem
from khedmat.core.forms import LocalDateField


def _select() -> forms.Select:
    return forms.Select(attrs={"class": "form-select form-select-sm"})


class CiFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Words or code"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "type": "search"}),
    )
    ci_type = forms.ModelChoiceField(
        label=_("Type"),
        required=False,
        queryset=CiType.objects.all(),
        to_field_name="code",
        empty_label=_("Any type"),
        widget=_select(),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *CiStatus.choices],
        widget=_select(),
    )
    owner_team = forms.ModelChoiceField(
        label=_("Owner team"),
        required=False,
        queryset=Team.objects.filter(is_active=True).order_by("name"),
        to_field_name="code",
        empty_label=_("Any team"),
        widget=_select(),
    )

    def filters(self) -> queries.CiFilters:
        if not self.is_bound or not self.is_valid():
            return queries.CiFilters()
        data = self.cleaned_data
        return queries.CiFilters(
            ci_type=data["ci_type"],
            status=data["status"],
            owner_team=data["owner_team"],
            text=data["q"],
        )


def attribute_field(attribute: CiAttribute) -> forms.Field:
    """A form field for one attribute of a type (the services check the value again)."""
    common: dict[str, Any] = {"label": attribute.name, "required": attribute.required}
    if attribute.kind == AttributeKind.NUMBER:
        return forms.DecimalField(**common, widget=forms.NumberInput(attrs={"dir": "ltr"}))
    if attribute.kind == AttributeKind.DATE:
        return LocalDateField(**common)
    if attribute.kind == AttributeKind.CHOICE:
        choices = [("", "—"), *((str(c), str(c)) for c in attribute.choices)]
        return forms.ChoiceField(**common, choices=choices)
    if attribute.kind == AttributeKind.REFERENCE:
        items = ConfigurationItem.objects.order_by("name")
        if attribute.reference_type_id is not None:
            items = items.filter(ci_type_id=attribute.reference_type_id)
        return forms.ModelChoiceField(**common, queryset=items, to_field_name="code")
    return forms.CharField(**common, max_length=300)


ATTRIBUTE_PREFIX = "attr_"


class CiForm(forms.Form):
    """A CI: its own fields, then its type's attributes (fields made from the CiAttribute rows)."""

    code = forms.SlugField(label=_("Code"), max_length=64)
    name = forms.CharField(label=_("Name"), max_length=200)
    status = forms.ChoiceField(label=_("Status"), choices=CiStatus.choices, initial=CiStatus.LIVE)
    owner_team = forms.ModelChoiceField(
        label=_("Owner team"),
        required=False,
        queryset=Team.objects.filter(is_active=True).order_by("name"),
        empty_label=_("— None —"),
    )
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    service = forms.ModelChoiceField(
        label=_("Service of the catalog"),
        required=False,
        queryset=Service.objects.filter(current_version__isnull=False)
        .select_related("current_version")
        .order_by("code"),
        empty_label=_("— Not a service —"),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, ci_type: CiType, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ci_type = ci_type
        if editing:
            del self.fields["code"]
        self.fields["service"].label_from_instance = lambda s: (  # type: ignore[attr-defined]
            f"{s.current_version.title} ({s.code})"
        )
        for attribute in ci_type.attributes.select_related("reference_type"):
            self.fields[ATTRIBUTE_PREFIX + attribute.code] = attribute_field(attribute)
        for field in self.fields.values():
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)

    @property
    def attribute_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(ATTRIBUTE_PREFIX)]

    @property
    def own_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith(ATTRIBUTE_PREFIX)]

    def attributes(self) -> dict[str, Any]:
        """The attribute values as the services take them."""
        values: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if not name.startswith(ATTRIBUTE_PREFIX) or value in (None, ""):
                continue
            if isinstance(value, ConfigurationItem):
                value = value.code
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            elif hasattr(value, "as_integer_ratio") and not isinstance(value, int):
                value = int(value) if value == int(value) else float(value)
            values[name.removeprefix(ATTRIBUTE_PREFIX)] = value
        return values


class RelationForm(forms.Form):
    """A relation from this CI: `this <kind> other`, or the other way round."""

    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=[("out", _("this CI … the other")), ("in", _("the other … this CI"))],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    kind = forms.ChoiceField(
        label=_("Relation"),
        choices=RelationKind.choices,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    other = forms.CharField(
        label=_("The other CI (code)"),
        max_length=64,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "dir": "ltr"}),
    )

    def clean_other(self) -> ConfigurationItem:
        code = self.cleaned_data["other"].strip().lower()
        item = ConfigurationItem.objects.filter(code=code).first()
        if item is None:
            raise forms.ValidationError(_("No configuration item has this code."))
        return item
