"""Categories, services with their stable identity, and the versions of their identity cards."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khedmat.catalog.choices import (
    DurationUnit,
    ElectronicStatus,
    Frequency,
    FrequencyPeriod,
    Nature,
    Stage,
    StartTrigger,
)
from khedmat.catalog.models.base import (
    ChoiceListValidator,
    InsertOnlyModel,
    Translated,
    choice_labels,
    validate_service_code,
)


class Category(models.Model):
    """A group of services on the portal (گروه خدمت)."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_fa = models.CharField(_("name (Persian)"), max_length=200)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description_fa = models.TextField(_("description (Persian)"), blank=True)
    description_ar = models.TextField(_("description (Arabic)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("shown on the portal"), default=True)

    name = Translated()
    description = Translated()

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["position", "id"], name="catalog_category_order_idx")]

    def __str__(self) -> str:
        return self.name


class ServiceQuerySet(models.QuerySet["Service"]):
    def published(self) -> ServiceQuerySet:
        """Services anyone may read: published, with a card, under a published parent if any."""
        return self.filter(
            Q(parent__isnull=True) | Q(parent__is_published=True),
            is_published=True,
            current_version__isnull=False,
        )

    def top_level(self) -> ServiceQuerySet:
        """Services that are not sub-services."""
        return self.filter(parent__isnull=True)


class Service(models.Model):
    """A service or sub-service: its stable code and place in the catalog; the card is versioned."""

    code = models.CharField(
        _("service code"),
        max_length=64,
        unique=True,
        validators=[validate_service_code],
        help_text=_(
            "The national service identifier (شناسه خدمت), e.g. 17041325104 or 10012656000sh13. "
            "It is part of the service's public address and cannot change later."
        ),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent service"),
        help_text=_("Set for a sub-service (زیرخدمت)."),
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="services", verbose_name=_("category")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    current_version = models.ForeignKey(
        "catalog.ServiceVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("card in force"),
    )
    process_key = models.SlugField(
        _("process"),
        max_length=64,
        blank=True,
        help_text=_(
            "Key of the BPMN process that runs each request (its latest published "
            "version); empty: staff move requests by hand."
        ),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["position", "code"]
        constraints = [
            models.UniqueConstraint(
                Lower("code"),
                name="catalog_service_code_ci_unique",
                violation_error_message=_("A service with this code already exists."),
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("id")),
                name="catalog_service_not_own_parent",
                violation_error_message=_("A service cannot be its own parent."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["category", "is_published", "position"], name="catalog_service_browse_idx"
            ),
            models.Index(fields=["parent", "position"], name="catalog_service_children_idx"),
        ]

    def __str__(self) -> str:
        version = self.current_version
        return f"{self.code} — {version.title}" if version else self.code

    def clean(self) -> None:
        """Sub-services hang under a top-level service, one level deep."""
        super().clean()
        if self.parent_id is None:
            return
        if self.pk is not None and self.parent_id == self.pk:
            raise ValidationError({"parent": _("A service cannot be its own parent.")})
        parent = self.parent
        if parent is not None and parent.parent_id is not None:
            raise ValidationError({"parent": _("A sub-service cannot have sub-services.")})
        if self.pk is not None and self.children.exists():
            raise ValidationError({"parent": _("A service with sub-services cannot become one.")})


class ServiceVersion(InsertOnlyModel):
    """One version of a service identity card (شناسنامه خدمت, R-3); never changed once saved."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="versions", verbose_name=_("service")
    )
    number = models.PositiveIntegerField(_("version"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    created_at = models.DateTimeField(_("changed at"), default=timezone.now)
    change_summary = models.CharField(_("what changed and why"), max_length=500, blank=True)
    changed_fields = models.JSONField(_("changed fields"), default=list, blank=True)

    # 1. title, process
    title_fa = models.CharField(_("title (Persian)"), max_length=300)
    title_ar = models.CharField(_("title (Arabic)"), max_length=300, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    process_title_fa = models.CharField(_("process title (Persian)"), max_length=300, blank=True)
    process_title_ar = models.CharField(_("process title (Arabic)"), max_length=300, blank=True)
    process_title_en = models.CharField(_("process title (English)"), max_length=300, blank=True)
    # 2. description (the category is on the service)
    description_fa = models.TextField(_("description (Persian)"), blank=True)
    description_ar = models.TextField(_("description (Arabic)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    keywords = models.CharField(
        _("search keywords"),
        max_length=500,
        blank=True,
        help_text=_("Other words people use for this service, in any language."),
    )
    # 3-8. classification
    service_types = models.JSONField(
        _("service type"), default=list, validators=[ChoiceListValidator("ServiceType")]
    )
    audiences = models.JSONField(
        _("audience"), default=list, blank=True, validators=[ChoiceListValidator("Audience")]
    )
    nature = models.CharField(_("nature"), max_length=16, choices=Nature.choices, blank=True)
    levels = models.JSONField(
        _("level"), default=list, blank=True, validators=[ChoiceListValidator("Level")]
    )
    life_events = models.JSONField(
        _("related life events"),
        default=list,
        blank=True,
        validators=[ChoiceListValidator("LifeEvent")],
    )
    start_trigger = models.CharField(
        _("how the service starts"),
        max_length=32,
        choices=StartTrigger.choices,
        default=StartTrigger.APPLICANT_REQUEST,
    )
    # 9. legal basis
    legal_basis_fa = models.TextField(_("legal basis (Persian)"), blank=True)
    legal_basis_ar = models.TextField(_("legal basis (Arabic)"), blank=True)
    legal_basis_en = models.TextField(_("legal basis (English)"), blank=True)
    # 11. flowchart (the steps are rows)
    flowchart = models.FileField(
        _("flowchart"),
        upload_to="catalog/flowcharts/%Y/",
        blank=True,
        validators=[FileExtensionValidator(["pdf", "png", "jpg", "jpeg"])],
        help_text=_("A PDF, PNG or JPEG drawing of the steps."),
    )
    # 12-15. time, visits, frequency, statistics
    duration_amount = models.PositiveIntegerField(_("average duration"))
    duration_unit = models.CharField(
        _("duration unit"),
        max_length=16,
        choices=DurationUnit.choices,
        default=DurationUnit.WORKING_DAYS,
    )
    service_hours_fa = models.CharField(_("service hours (Persian)"), max_length=300, blank=True)
    service_hours_ar = models.CharField(_("service hours (Arabic)"), max_length=300, blank=True)
    service_hours_en = models.CharField(_("service hours (English)"), max_length=300, blank=True)
    in_person_visits = models.PositiveSmallIntegerField(
        _("in-person visits"), default=0, help_text=_("0 for a fully electronic service.")
    )
    frequency = models.CharField(
        _("frequency"), max_length=16, choices=Frequency.choices, default=Frequency.UNLIMITED
    )
    frequency_count = models.PositiveSmallIntegerField(_("times"), null=True, blank=True)
    frequency_period = models.CharField(
        _("period"), max_length=8, choices=FrequencyPeriod.choices, blank=True
    )
    recipients_per_month = models.PositiveIntegerField(
        _("recipients per month"), null=True, blank=True
    )
    recipients_per_year = models.PositiveIntegerField(
        _("recipients per year"), null=True, blank=True
    )
    # 17. derived from the stage rows
    electronic_status = models.CharField(
        _("electronic status"),
        max_length=16,
        choices=ElectronicStatus.choices,
        default=ElectronicStatus.NOT,
        editable=False,
    )
    # 19. complaints
    complaint_channel_fa = models.TextField(_("how to complain (Persian)"))
    complaint_channel_ar = models.TextField(_("how to complain (Arabic)"), blank=True)
    complaint_channel_en = models.TextField(_("how to complain (English)"), blank=True)
    # 20. contact, places
    agency = models.ForeignKey(
        "accounts.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("providing agency"),
    )
    responsible_unit = models.ForeignKey(
        "accounts.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible unit"),
    )
    contact_phone = models.CharField(_("contact phone"), max_length=64, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    submission_place_fa = models.TextField(_("where to apply (Persian)"), blank=True)
    submission_place_ar = models.TextField(_("where to apply (Arabic)"), blank=True)
    submission_place_en = models.TextField(_("where to apply (English)"), blank=True)
    answer_place_fa = models.TextField(_("where to receive the answer (Persian)"), blank=True)
    answer_place_ar = models.TextField(_("where to receive the answer (Arabic)"), blank=True)
    answer_place_en = models.TextField(_("where to receive the answer (English)"), blank=True)
    # 21. service-level statement
    sla_statement_fa = models.TextField(_("service-level statement (Persian)"), blank=True)
    sla_statement_ar = models.TextField(_("service-level statement (Arabic)"), blank=True)
    sla_statement_en = models.TextField(_("service-level statement (English)"), blank=True)
    # 22. user guide (the FAQ are rows)
    guide_file = models.FileField(
        _("user guide file"),
        upload_to="catalog/guides/%Y/",
        blank=True,
        validators=[FileExtensionValidator(["pdf", "docx", "odt", "png", "jpg", "jpeg"])],
        help_text=_("PDF, Word, OpenDocument or an image."),
    )
    # R-6 part 3
    notes_fa = models.TextField(_("other notes (Persian)"), blank=True)
    notes_ar = models.TextField(_("other notes (Arabic)"), blank=True)
    notes_en = models.TextField(_("other notes (English)"), blank=True)
    # 23. form filler and approving authority
    form_filler_name = models.CharField(_("form filled in by"), max_length=200, blank=True)
    form_filler_position = models.CharField(
        _("position of the form filler"), max_length=200, blank=True
    )
    form_filler_phone = models.CharField(_("phone of the form filler"), max_length=64, blank=True)
    approving_authority_fa = models.CharField(
        _("approving authority (Persian)"), max_length=300, blank=True
    )
    approving_authority_ar = models.CharField(
        _("approving authority (Arabic)"), max_length=300, blank=True
    )
    approving_authority_en = models.CharField(
        _("approving authority (English)"), max_length=300, blank=True
    )
    # search keys (normalised; requirements §6.3), written by the catalog services
    title_key = models.TextField(_("title search key"), blank=True, editable=False)
    search_key = models.TextField(_("search key"), blank=True, editable=False)

    title = Translated()
    process_title = Translated()
    description = Translated()
    legal_basis = Translated()
    service_hours = Translated()
    complaint_channel = Translated()
    submission_place = Translated()
    answer_place = Translated()
    sla_statement = Translated()
    notes = Translated()
    approving_authority = Translated()

    class Meta:
        verbose_name = _("service card")
        verbose_name_plural = _("service cards")
        ordering = ["service", "-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(
                fields=["service", "number"],
                name="catalog_version_unique_number",
                violation_error_message=_("This version number already exists for the service."),
            ),
            models.CheckConstraint(
                condition=~Q(frequency=Frequency.REPEATABLE)
                | (Q(frequency_count__gt=0) & ~Q(frequency_period="")),
                name="catalog_version_repeatable_has_limit",
                violation_error_message=_("Give how many times per period the service may be had."),
            ),
        ]
        indexes = [
            models.Index(fields=["service", "-number"], name="catalog_version_history_idx"),
            models.Index(fields=["electronic_status"], name="catalog_version_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title_fa} (v{self.number})"

    def clean(self) -> None:
        """A repeatable service says how many times per period."""
        super().clean()
        if self.frequency == Frequency.REPEATABLE:
            errors = {}
            if not self.frequency_count:
                errors["frequency_count"] = _("Give how many times per period.")
            if not self.frequency_period:
                errors["frequency_period"] = _("Choose the period.")
            if errors:
                raise ValidationError(errors)

    @property
    def is_current(self) -> bool:
        """Whether this version is the card in force."""
        return self.service.current_version_id == self.pk

    @property
    def service_type_labels(self) -> list[str]:
        return choice_labels("ServiceType", self.service_types)

    @property
    def audience_labels(self) -> list[str]:
        return choice_labels("Audience", self.audiences)

    @property
    def level_labels(self) -> list[str]:
        return choice_labels("Level", self.levels)

    @property
    def life_event_labels(self) -> list[str]:
        return choice_labels("LifeEvent", self.life_events)

    def takes_online_requests(self) -> bool:
        """Whether the card's request stage is electronic (R-4): else nobody applies online."""
        return any(row.stage == Stage.REQUEST and row.is_electronic for row in self.stages.all())

    @property
    def is_fully_electronic(self) -> bool:
        return self.electronic_status == ElectronicStatus.FULLY
