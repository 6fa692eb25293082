"""Forms of the catalog: the portal's search box and the administrator's card editor."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from khedmat.catalog.choices import (
    CARD_LANGUAGES,
    Audience,
    Channel,
    Level,
    LifeEvent,
    ServiceType,
)
from khedmat.catalog.formbuilder import FILE_SIGNATURES
from khedmat.catalog.models import (
    Category,
    FormField,
    RequiredDocument,
    Service,
    ServiceVersion,
    StageChannel,
)
from khedmat.catalog.models.base import normalize_service_code, validate_service_code
from khedmat.catalog.services import CARD_FIELDS


class CatalogSearchForm(forms.Form):
    """?q= and ?category= of the catalog page."""

    q = forms.CharField(label=_("Search services"), max_length=200, required=False, strip=True)
    category = forms.SlugField(label=_("Category"), max_length=64, required=False)


# --- the administrator's card editor ----------------------------------------------------------


def _multi(choices: Any, label: Any, *, required: bool = False) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=choices.choices,
        widget=forms.CheckboxSelectMultiple,
        required=required,
        label=label,
    )


class ExtensionListField(forms.CharField):
    """File extensions typed as `pdf, jpg, png`; cleans to ["pdf", "jpg", "png"]."""

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        parts = [part.strip().lower().lstrip(".") for part in text.replace("،", ",").split(",")]
        return [part for part in parts if part]

    def validate(self, value: Any) -> None:
        super().validate(value)
        unknown = sorted(set(value) - set(FILE_SIGNATURES))
        if unknown:
            raise ValidationError(
                _("Unknown file types: %(types)s. Known: %(known)s."),
                params={"types": ", ".join(unknown), "known": ", ".join(sorted(FILE_SIGNATURES))},
            )


class ServiceCardForm(forms.ModelForm):
    """A card version with its service's identity; saving always makes a new version (R-5)."""

    source_version: ServiceVersion | None = None

    code = forms.CharField(
        label=_("Service code"),
        max_length=64,
        help_text=_("For example 17041325104 or 10012656000sh13. It cannot change later."),
    )
    category = forms.ModelChoiceField(Category.objects.all(), label=_("Category"))
    parent = forms.ModelChoiceField(
        Service.objects.filter(parent__isnull=True).select_related("current_version"),
        required=False,
        label=_("Parent service"),
        help_text=_("Only for a sub-service."),
    )
    position = forms.IntegerField(label=_("Position"), min_value=0, initial=0)
    process_key = forms.SlugField(
        label=_("Process"),
        required=False,
        max_length=64,
        help_text=_(
            "Key of the BPMN process each new request runs (its latest published "
            "version). Empty: staff move requests by hand."
        ),
    )
    is_published = forms.BooleanField(
        label=_("Published on the portal"), required=False, initial=False
    )
    service_types = _multi(ServiceType, _("Service type"), required=True)
    audiences = _multi(Audience, _("Audience"))
    levels = _multi(Level, _("Level"))
    life_events = _multi(LifeEvent, _("Related life events"))

    class Meta:
        model = ServiceVersion
        fields = (*CARD_FIELDS, "change_summary")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        source = self.source_version
        if "change_summary" not in self.fields:  # read-only: the admin shows no inputs
            return
        self.fields["change_summary"].help_text = _("Shown in the card's history.")
        if source is None:
            return
        service = source.service
        self.fields["code"].initial = service.code
        self.fields["code"].disabled = True
        self.fields["code"].help_text = _("The code is part of the service's public address.")
        self.fields["category"].initial = service.category_id
        self.fields["parent"].initial = service.parent_id
        self.fields["parent"].queryset = self.fields["parent"].queryset.exclude(pk=service.pk)  # type: ignore[attr-defined]
        self.fields["position"].initial = service.position
        self.fields["process_key"].initial = service.process_key
        self.fields["is_published"].initial = service.is_published
        self.fields["change_summary"].initial = ""
        self.initial["change_summary"] = ""

    def clean_code(self) -> str:
        code = normalize_service_code(self.cleaned_data["code"])
        validate_service_code(code)
        if self.source_version is None and Service.objects.filter(code__iexact=code).exists():
            raise ValidationError(_("A service with this code already exists."), code="duplicate")
        return code

    def clean_parent(self) -> Service | None:
        parent = self.cleaned_data.get("parent")
        source = self.source_version
        if parent is not None and source is not None and source.service.children.exists():
            raise ValidationError(_("A service with sub-services cannot become one."))
        return parent


class StageChannelForm(forms.ModelForm):
    channels = _multi(Channel, _("Channels"))

    class Meta:
        model = StageChannel
        fields = ("stage", "is_electronic", "channels", "note_fa", "note_ar", "note_en")


class RequiredDocumentForm(forms.ModelForm):
    allowed_types = ExtensionListField(
        label=_("Allowed file types"), required=False, help_text=_("For example: pdf, jpg, png")
    )

    class Meta:
        model = RequiredDocument
        fields = (
            *(
                f"{name}_{language}"
                for name in ("title", "description")
                for language in CARD_LANGUAGES
            ),
            "source",
            "inquiry_provider",
            "is_mandatory",
            "allowed_types",
            "max_size_kb",
            "max_count",
            "position",
        )


class FormFieldForm(forms.ModelForm):
    class Meta:
        model = FormField
        fields = (
            "key",
            "field_type",
            "is_required",
            "group_key",
            "position",
            *(f"{name}_{language}" for name in ("label", "help") for language in CARD_LANGUAGES),
            "config",
            "show_if",
            "integration_key",
        )
        widgets = {
            "config": forms.Textarea(attrs={"rows": 3, "cols": 60, "dir": "ltr"}),
            "show_if": forms.Textarea(attrs={"rows": 2, "cols": 60, "dir": "ltr"}),
        }
