"""The rows of a card version: documents, steps, fees, FAQ, channels per stage, inquiries."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from khedmat.catalog.choices import CURRENCY_DECIMALS, Currency, DocumentSource, Stage
from khedmat.catalog.models.base import (
    ChoiceListValidator,
    InsertOnlyModel,
    Translated,
    choice_labels,
    validate_sheba,
)
from khedmat.catalog.models.service import ServiceVersion


def default_document_types() -> list[str]:
    """Files an applicant may upload for a document unless the card says otherwise."""
    return ["pdf", "jpg", "png"]


class CardRow(InsertOnlyModel):
    """A row that belongs to one card version and is copied into the next one."""

    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        abstract = True


class RequiredDocument(CardRow):
    """A document the service needs (R-10): uploaded by the applicant or obtained by inquiry."""

    version = models.ForeignKey(
        ServiceVersion,
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name=_("card version"),
    )
    title_fa = models.CharField(_("title (Persian)"), max_length=300)
    title_ar = models.CharField(_("title (Arabic)"), max_length=300, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    description_fa = models.TextField(_("description (Persian)"), blank=True)
    description_ar = models.TextField(_("description (Arabic)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    source = models.CharField(
        _("source"), max_length=16, choices=DocumentSource.choices, default=DocumentSource.UPLOAD
    )
    inquiry_provider = models.CharField(
        _("inquiry provider"),
        max_length=200,
        blank=True,
        help_text=_("For a document obtained by inquiry: the agency or system asked."),
    )
    is_mandatory = models.BooleanField(_("mandatory"), default=True)
    allowed_types = models.JSONField(
        _("allowed file types"),
        default=default_document_types,
        blank=True,
        help_text=_('File extensions, e.g. ["pdf", "jpg", "png"].'),
    )
    max_size_kb = models.PositiveIntegerField(_("largest file (KB)"), default=5120)
    max_count = models.PositiveSmallIntegerField(_("files at most"), default=1)

    title = Translated()
    description = Translated()

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["version", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source=DocumentSource.UPLOAD) | ~Q(inquiry_provider=""),
                name="catalog_document_inquiry_has_provider",
                violation_error_message=_("Name the agency or system that supplies the document."),
            ),
            models.CheckConstraint(
                condition=Q(max_count__gt=0) & Q(max_size_kb__gt=0),
                name="catalog_document_limits_positive",
                violation_error_message=_("The size and count limits must be above zero."),
            ),
        ]
        indexes = [models.Index(fields=["version", "position"], name="catalog_document_order_idx")]

    def __str__(self) -> str:
        return self.title_fa

    def clean(self) -> None:
        super().clean()
        types = self.allowed_types
        if not isinstance(types, list) or not all(isinstance(item, str) for item in types):
            raise ValidationError({"allowed_types": _('Give a list of extensions, e.g. ["pdf"].')})
        self.allowed_types = [item.strip().lower().lstrip(".") for item in types if item.strip()]

    @property
    def is_by_inquiry(self) -> bool:
        return self.source == DocumentSource.INQUIRY


class ServiceStep(CardRow):
    """One step of the service as the applicant experiences it (مراحل خدمت)."""

    version = models.ForeignKey(
        ServiceVersion,
        on_delete=models.CASCADE,
        related_name="steps",
        verbose_name=_("card version"),
    )
    title_fa = models.CharField(_("title (Persian)"), max_length=300)
    title_ar = models.CharField(_("title (Arabic)"), max_length=300, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    description_fa = models.TextField(_("description (Persian)"), blank=True)
    description_ar = models.TextField(_("description (Arabic)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    title = Translated()
    description = Translated()

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["version", "position", "id"]
        indexes = [models.Index(fields=["version", "position"], name="catalog_step_order_idx")]

    def __str__(self) -> str:
        return self.title_fa


class Fee(CardRow):
    """A fee (R-25): an integer amount in the currency's smallest unit, paid to one account."""

    version = models.ForeignKey(
        ServiceVersion,
        on_delete=models.CASCADE,
        related_name="fees",
        verbose_name=_("card version"),
    )
    title_fa = models.CharField(_("title (Persian)"), max_length=300)
    title_ar = models.CharField(_("title (Arabic)"), max_length=300, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    amount = models.BigIntegerField(
        _("amount"), help_text=_("A whole number in the currency's smallest unit; 0 when free.")
    )
    currency = models.CharField(
        _("currency"), max_length=8, choices=Currency.choices, default=Currency.IRR
    )
    beneficiary = models.CharField(_("beneficiary"), max_length=300, blank=True)
    bank_account = models.CharField(
        _("Sheba (IBAN)"), max_length=26, blank=True, validators=[validate_sheba]
    )

    title = Translated()

    class Meta:
        verbose_name = _("fee")
        verbose_name_plural = _("fees")
        ordering = ["version", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="catalog_fee_amount_not_negative",
                violation_error_message=_("A fee cannot be negative."),
            ),
        ]
        indexes = [models.Index(fields=["version", "position"], name="catalog_fee_order_idx")]

    def __str__(self) -> str:
        return f"{self.title_fa}: {self.amount} {self.currency}"

    @property
    def decimals(self) -> int:
        return CURRENCY_DECIMALS.get(self.currency, 0)

    @property
    def is_free(self) -> bool:
        return self.amount == 0


class FaqEntry(CardRow):
    """A frequently asked question about the service and its answer."""

    version = models.ForeignKey(
        ServiceVersion, on_delete=models.CASCADE, related_name="faq", verbose_name=_("card version")
    )
    question_fa = models.CharField(_("question (Persian)"), max_length=500)
    question_ar = models.CharField(_("question (Arabic)"), max_length=500, blank=True)
    question_en = models.CharField(_("question (English)"), max_length=500, blank=True)
    answer_fa = models.TextField(_("answer (Persian)"))
    answer_ar = models.TextField(_("answer (Arabic)"), blank=True)
    answer_en = models.TextField(_("answer (English)"), blank=True)

    question = Translated()
    answer = Translated()

    class Meta:
        verbose_name = _("frequently asked question")
        verbose_name_plural = _("frequently asked questions")
        ordering = ["version", "position", "id"]
        indexes = [models.Index(fields=["version", "position"], name="catalog_faq_order_idx")]

    def __str__(self) -> str:
        return self.question_fa


class StageChannel(CardRow):
    """Whether one stage of the service is electronic, and through which channels (R-4)."""

    version = models.ForeignKey(
        ServiceVersion,
        on_delete=models.CASCADE,
        related_name="stages",
        verbose_name=_("card version"),
    )
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    is_electronic = models.BooleanField(_("electronic"), default=False)
    channels = models.JSONField(
        _("channels"), default=list, blank=True, validators=[ChoiceListValidator("Channel")]
    )
    note_fa = models.CharField(_("note (Persian)"), max_length=300, blank=True)
    note_ar = models.CharField(_("note (Arabic)"), max_length=300, blank=True)
    note_en = models.CharField(_("note (English)"), max_length=300, blank=True)

    note = Translated()

    class Meta:
        verbose_name = _("channel of a stage")
        verbose_name_plural = _("channels and e-readiness per stage")
        ordering = ["version", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "stage"],
                name="catalog_stage_unique_per_version",
                violation_error_message=_("Each stage appears once per card."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stage}: {'e' if self.is_electronic else '-'}"

    @property
    def channel_labels(self) -> list[str]:
        return choice_labels("Channel", self.channels)


class ServiceInquiry(CardRow):
    """An inquiry the service makes to another agency or system (استعلامات)."""

    version = models.ForeignKey(
        ServiceVersion,
        on_delete=models.CASCADE,
        related_name="inquiries",
        verbose_name=_("card version"),
    )
    title_fa = models.CharField(_("what is asked (Persian)"), max_length=300)
    title_ar = models.CharField(_("what is asked (Arabic)"), max_length=300, blank=True)
    title_en = models.CharField(_("what is asked (English)"), max_length=300, blank=True)
    agency = models.CharField(_("agency asked"), max_length=300)
    system = models.CharField(_("system"), max_length=300, blank=True)
    is_online = models.BooleanField(_("online"), default=True)

    title = Translated()

    class Meta:
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        ordering = ["version", "position", "id"]
        indexes = [models.Index(fields=["version", "position"], name="catalog_inquiry_order_idx")]

    def __str__(self) -> str:
        return f"{self.title_fa} ({self.agency})"
