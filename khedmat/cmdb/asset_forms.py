"""Forms of the asset pages: list filters, an asset, its assignment and disposal, a licence and
its seats, a supplier with its contacts, a contract with the CIs it covers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import OrgUnit, User
from khedmat.cmdb.choices import AssetKind, AssetStatus, ContractKind
from khedmat.cmdb.models import Asset, ConfigurationItem, Contract, Licence, Supplier
from khedmat.core.forms import LocalDateField


def _style(form: forms.BaseForm, *, small: bool = False) -> None:
    """Bootstrap classes on every widget."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = css + (
            " form-control-sm" if small and css == "form-control" else ""
        )
        if small and css == "form-select":
            widget.attrs["class"] += " form-select-sm"


def _supplier_field() -> forms.ModelChoiceField[Supplier]:
    return forms.ModelChoiceField(
        Supplier.objects.filter(is_active=True), label=_("Supplier"), required=False
    )


def _staff_field(label: Any, *, required: bool = False) -> forms.ModelChoiceField[User]:
    people = User.objects.filter(is_active=True, is_staff=True).order_by("username")
    return forms.ModelChoiceField(people, label=label, required=required)


class FilterForm(forms.Form):
    """A list's filters; `filters()` the valid ones as a dict (a bad value is ignored)."""

    words = forms.CharField(label=_("Words"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self, small=True)

    def filters(self) -> dict[str, Any]:
        if not self.is_bound or not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}


class AssetFilterForm(FilterForm):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *AssetStatus.choices]
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any")), *AssetKind.choices]
    )
    supplier = _supplier_field()


class LicenceFilterForm(FilterForm):
    supplier = _supplier_field()


class ContractFilterForm(FilterForm):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any")), *ContractKind.choices]
    )
    supplier = _supplier_field()
    ending_within = forms.IntegerField(
        label=_("Ending within (days)"), required=False, min_value=0, max_value=3650
    )


class SupplierFilterForm(FilterForm):
    inactive = forms.BooleanField(label=_("Show inactive suppliers"), required=False)


class CiCodeField(forms.Field):
    """A configuration item typed by its code."""

    widget = forms.TextInput(attrs={"dir": "ltr", "maxlength": 64})

    def prepare_value(self, value: Any) -> Any:
        return value.code if isinstance(value, ConfigurationItem) else value

    def to_python(self, value: Any) -> ConfigurationItem | None:
        code = str(value or "").strip().lower()
        if not code:
            return None
        item = ConfigurationItem.objects.filter(code=code).first()
        if item is None:
            raise forms.ValidationError(
                _("No configuration item has the code “%(code)s”."), params={"code": code}
            )
        return item


class AssetForm(forms.ModelForm[Asset]):
    configuration_item = CiCodeField(label=_("Configuration item (code)"), required=False)
    purchased_on = LocalDateField(label=_("Purchased on"), required=False)
    warranty_ends_on = LocalDateField(label=_("Warranty ends on"), required=False)

    class Meta:
        model = Asset
        fields = (
            "tag",
            "name",
            "kind",
            "configuration_item",
            "model_name",
            "serial_number",
            "supplier",
            "purchased_on",
            "cost",
            "warranty_ends_on",
            "location",
            "note",
        )
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["tag"].disabled = True
            self.initial["configuration_item"] = self.instance.configuration_item
        _style(self)


class AssetActionForm(forms.Form):
    """Assign (to a person and/or unit), return to stock, or dispose of the asset."""

    ASSIGN, RETURN, DISPOSE = "assign", "return", "dispose"
    action = forms.ChoiceField(
        choices=[(ASSIGN, _("Assign")), (RETURN, _("Return to stock")), (DISPOSE, _("Dispose of"))],
        widget=forms.HiddenInput,
    )
    user = _staff_field(_("Person"))
    org_unit = forms.ModelChoiceField(OrgUnit.objects.all(), label=_("Unit"), required=False)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class LicenceForm(forms.ModelForm[Licence]):
    expires_on = LocalDateField(label=_("Expires on"), required=False)

    class Meta:
        model = Licence
        fields = ("code", "product", "supplier", "seats", "expires_on", "cost", "note")
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["seats"].validators.append(MinValueValidator(1))
        self.fields["seats"].widget.attrs["min"] = 1
        _style(self)


class SeatForm(forms.Form):
    """A seat for a person or an asset (by tag)."""

    user = _staff_field(_("Person"))
    asset = forms.CharField(label=_("or asset (tag)"), required=False, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)

    def clean_asset(self) -> Asset | None:
        tag = self.cleaned_data["asset"].strip().lower()
        if not tag:
            return None
        asset = Asset.objects.filter(tag=tag).first()
        if asset is None:
            raise forms.ValidationError(_("No asset has the tag “%(tag)s”."), params={"tag": tag})
        return asset


class SupplierForm(forms.ModelForm[Supplier]):
    class Meta:
        model = Supplier
        fields = ("code", "name", "national_id", "phone", "email", "address", "note", "is_active")
        widgets = {
            "address": forms.Textarea(attrs={"rows": 2}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True
        _style(self)


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), required=False, max_length=200)
    role = forms.CharField(label=_("Role"), required=False, max_length=200)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=30)
    email = forms.EmailField(label=_("E-mail"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self, small=True)


ContactFormSet = forms.formset_factory(ContactForm, extra=2, max_num=20, validate_max=True)


class ContractForm(forms.ModelForm[Contract]):
    starts_on = LocalDateField(label=_("Starts on"))
    ends_on = LocalDateField(label=_("Ends on"))
    item_codes = forms.CharField(
        label=_("CIs covered (codes)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}),
        help_text=_("One code per line, or separated by commas."),
    )

    class Meta:
        model = Contract
        fields = (
            "code",
            "title",
            "kind",
            "supplier",
            "starts_on",
            "ends_on",
            "value",
            "currency",
            "sla_policy",
            "note",
        )
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True
            codes = self.instance.items.order_by("code").values_list("code", flat=True)
            self.initial["item_codes"] = "\n".join(codes)
        _style(self)

    def clean_item_codes(self) -> list[ConfigurationItem]:
        text = self.cleaned_data["item_codes"].replace(",", "\n")
        codes = sorted({code.strip().lower() for code in text.splitlines() if code.strip()})
        items = list(ConfigurationItem.objects.filter(code__in=codes))
        missing = sorted(set(codes) - {item.code for item in items})
        if missing:
            raise forms.ValidationError(
                _("Unknown configuration items: %(codes)s"), params={"codes": ", ".join(missing)}
            )
        return items

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The contract must not end before it starts."))
        return data
