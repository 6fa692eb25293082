"""The rows of a service's application form; each row knows how to become a form field."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from khedmat.catalog.choices import FieldType
from khedmat.catalog.models.base import Translated, validate_field_key
from khedmat.catalog.models.card import CardRow
from khedmat.catalog.models.service import ServiceVersion


class FormField(CardRow):
    """One field of the application form of a card version (R-9); see catalog.formbuilder."""

    version = models.ForeignKey(
        ServiceVersion,
        on_delete=models.CASCADE,
        related_name="form_fields",
        verbose_name=_("card version"),
    )
    key = models.CharField(
        _("key"),
        max_length=50,
        validators=[validate_field_key],
        help_text=_("The name the answer is stored under, e.g. shop_area."),
    )
    group_key = models.CharField(
        _("in repeating group"),
        max_length=50,
        blank=True,
        help_text=_("The key of the repeating group this field belongs to, if any."),
    )
    field_type = models.CharField(_("type"), max_length=24, choices=FieldType.choices)
    label_fa = models.CharField(_("label (Persian)"), max_length=300)
    label_ar = models.CharField(_("label (Arabic)"), max_length=300, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=300, blank=True)
    help_fa = models.CharField(_("help (Persian)"), max_length=500, blank=True)
    help_ar = models.CharField(_("help (Arabic)"), max_length=500, blank=True)
    help_en = models.CharField(_("help (English)"), max_length=500, blank=True)
    is_required = models.BooleanField(_("required"), default=False)
    config = models.JSONField(
        _("options and validation"),
        default=dict,
        blank=True,
        help_text=_(
            'Per type, e.g. {"max_length": 200}, {"min": 0, "max": 1000}, '
            '{"options": [{"value": "a", "label_fa": "..."}]}, '
            '{"allowed_types": ["pdf"], "max_size_kb": 2048, "max_count": 3}, '
            '{"calendar": "jalali"}, {"min_rows": 1, "max_rows": 5}.'
        ),
    )
    show_if = models.JSONField(
        _("show only if"),
        default=dict,
        blank=True,
        help_text=_(
            'A condition on an earlier field, e.g. {"field": "applicant_kind", '
            '"op": "equals", "value": "company"}; empty: always shown.'
        ),
    )
    integration_key = models.CharField(
        _("integration key"),
        max_length=100,
        blank=True,
        help_text=_("The name other systems know this answer by."),
    )

    label = Translated()
    help = Translated()

    class Meta:
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        ordering = ["version", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "key"],
                name="catalog_formfield_unique_key",
                violation_error_message=_("Each field of a form needs its own key."),
            ),
        ]
        indexes = [models.Index(fields=["version", "position"], name="catalog_formfield_order_idx")]

    def __str__(self) -> str:
        return f"{self.key} ({self.field_type})"

    def clean(self) -> None:
        """The options and the condition make sense for the field's type (see formbuilder)."""
        super().clean()
        from khedmat.catalog.formbuilder import check_field_definition

        check_field_definition(self)

    def option(self, name: str, default: Any = None) -> Any:
        """One entry of the field's configuration."""
        config = self.config if isinstance(self.config, dict) else {}
        return config.get(name, default)
