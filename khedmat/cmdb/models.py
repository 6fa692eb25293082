"""The CMDB: CI types and their attributes as data, configuration items, typed relations; and the
records around them: suppliers, contracts, assets and licences."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khedmat.cmdb.choices import (
    AssetKind,
    AssetStatus,
    AttributeKind,
    CiStatus,
    ContractKind,
    ReferralStatus,
    RelationKind,
)
from khedmat.core.translated import translated_text


class CiType(models.Model):
    """A kind of configuration item (server, database, application, network link…), as data: a new
    type or attribute needs no migration."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_fa = models.CharField(_("name (Persian)"), max_length=200)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    is_service = models.BooleanField(
        _("business service"),
        default=False,
        help_text=_("CIs of this type stand for services of the catalog (the top of the map)."),
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("CI type")
        verbose_name_plural = _("CI types")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return translated_text(self, "name")


class CiAttribute(models.Model):
    """One attribute of a CI type: its kind, whether it is required, its choices or the CI type a
    reference points to. Values live in `ConfigurationItem.attributes` under `code`."""

    ci_type = models.ForeignKey(
        CiType, on_delete=models.CASCADE, related_name="attributes", verbose_name=_("CI type")
    )
    code = models.SlugField(_("code"), max_length=64)
    name_fa = models.CharField(_("name (Persian)"), max_length=200)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=AttributeKind.choices)
    required = models.BooleanField(_("required"), default=False)
    choices = models.JSONField(
        _("choices"), default=list, blank=True, help_text=_("For a choice: the allowed values.")
    )
    reference_type = models.ForeignKey(
        CiType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("refers to CIs of type"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("CI attribute")
        verbose_name_plural = _("CI attributes")
        ordering = ["ci_type", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["ci_type", "code"], name="cmdb_attribute_code_uniq"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return translated_text(self, "name")


class ConfigurationItem(models.Model):
    """Anything that must be managed to deliver a service: a server, a database, an application,
    a link, or a service of the catalog itself (then `service` is set)."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    ci_type = models.ForeignKey(
        CiType, on_delete=models.PROTECT, related_name="items", verbose_name=_("type")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CiStatus.choices, default=CiStatus.LIVE
    )
    owner_team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="configuration_items",
        verbose_name=_("owner team"),
    )
    location = models.CharField(_("location"), max_length=200, blank=True)
    service = models.OneToOneField(
        "catalog.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="configuration_item",
        verbose_name=_("service of the catalog"),
    )
    description = models.TextField(_("description"), blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("configuration item")
        verbose_name_plural = _("configuration items")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["name", "id"], name="cmdb_ci_name_idx"),
            models.Index(fields=["ci_type", "name"], name="cmdb_ci_type_idx"),
            models.Index(fields=["status", "name"], name="cmdb_ci_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class CiRelation(models.Model):
    """source <kind> target, e.g. `portal-app runs on web-01`. See choices.IMPACT_TO_SOURCE."""

    source = models.ForeignKey(
        ConfigurationItem,
        on_delete=models.CASCADE,
        related_name="outgoing",
        verbose_name=_("from"),
        db_index=False,  # the unique constraint leads with it
    )
    target = models.ForeignKey(
        ConfigurationItem,
        on_delete=models.CASCADE,
        related_name="incoming",
        verbose_name=_("to"),
        db_index=False,  # cmdb_relation_target_idx leads with it
    )
    kind = models.CharField(_("relation"), max_length=16, choices=RelationKind.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("CI relation")
        verbose_name_plural = _("CI relations")
        ordering = ["source", "kind", "target"]
        indexes = [
            models.Index(fields=["target", "kind", "source"], name="cmdb_relation_target_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "target"],
                name="cmdb_relation_uniq",
                violation_error_message=_("These CIs are already related that way."),
            ),
            models.CheckConstraint(
                condition=~Q(source=F("target")),
                name="cmdb_relation_not_self",
                violation_error_message=_("A CI cannot be related to itself."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


# --- suppliers, contracts, assets, licences ---------------------------------------------------


class Supplier(models.Model):
    """A company the agency buys from or is supported by."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    national_id = models.CharField(_("national ID of the company"), max_length=20, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.TextField(_("address"), blank=True)
    note = models.TextField(_("note"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name", "id"], name="cmdb_supplier_name_idx")]

    def __str__(self) -> str:
        return self.name


class SupplierContact(models.Model):
    supplier = models.ForeignKey(
        Supplier, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("supplier")
    )
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        verbose_name = _("supplier contact")
        verbose_name_plural = _("supplier contacts")
        ordering = ["supplier", "name", "id"]

    def __str__(self) -> str:
        return self.name


class Contract(models.Model):
    """A maintenance, support or underpinning contract with a supplier, over some CIs. An
    underpinning contract's `sla_policy` is the supplier's promise (a clock of record kind
    `supplier` runs while a task is referred to them)."""

    code = models.SlugField(_("contract number"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=16, choices=ContractKind.choices)
    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("supplier")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=0, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="IRR")
    sla_policy = models.ForeignKey(
        "sla.SlaPolicy",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
        verbose_name=_("supplier's SLA"),
    )
    items = models.ManyToManyField(
        ConfigurationItem, blank=True, related_name="contracts", verbose_name=_("CIs covered")
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-ends_on", "-id"]
        indexes = [
            models.Index(fields=["ends_on", "id"], name="cmdb_contract_ends_idx"),
            models.Index(fields=["supplier", "-ends_on"], name="cmdb_contract_supplier_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="cmdb_contract_dates_valid",
                violation_error_message=_("The contract must not end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Asset(models.Model):
    """A thing the agency owns (hardware) or has bought (software), possibly a CI too."""

    tag = models.SlugField(_("asset tag"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=AssetKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=AssetStatus.choices, default=AssetStatus.IN_USE
    )
    configuration_item = models.ForeignKey(
        ConfigurationItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assets",
        verbose_name=_("configuration item"),
    )
    model_name = models.CharField(_("model"), max_length=200, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    supplier = models.ForeignKey(
        Supplier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assets",
        verbose_name=_("bought from"),
    )
    purchased_on = models.DateField(_("purchased on"), null=True, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=18, decimal_places=0, null=True, blank=True)
    warranty_ends_on = models.DateField(_("warranty ends on"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assets",
        verbose_name=_("assigned to"),
    )
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assets",
        verbose_name=_("unit"),
    )
    location = models.CharField(_("location"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["name", "id"], name="cmdb_asset_name_idx"),
            models.Index(fields=["status", "name"], name="cmdb_asset_status_idx"),
            models.Index(fields=["warranty_ends_on"], name="cmdb_asset_warranty_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.tag})"


class Licence(models.Model):
    """A software licence with a number of seats, given to people or assets until it expires."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    product = models.CharField(_("product"), max_length=200)
    supplier = models.ForeignKey(
        Supplier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="licences",
        verbose_name=_("supplier"),
    )
    seats = models.PositiveIntegerField(_("seats"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=18, decimal_places=0, null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    expiry_warned_on = models.DateField(_("expiry warning sent on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        ordering = ["product", "id"]
        indexes = [models.Index(fields=["expires_on"], name="cmdb_licence_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.product} ({self.code})"


class LicenceAssignment(models.Model):
    """One seat of a licence, given to a person or an asset."""

    licence = models.ForeignKey(
        Licence, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("licence")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="licence_seats",
        verbose_name=_("person"),
    )
    asset = models.ForeignKey(
        Asset,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="licence_seats",
        verbose_name=_("asset"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)

    class Meta:
        verbose_name = _("licence seat")
        verbose_name_plural = _("licence seats")
        ordering = ["licence", "assigned_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, asset__isnull=True)
                | Q(user__isnull=True, asset__isnull=False),
                name="cmdb_seat_one_holder",
                violation_error_message=_("A seat goes to one person or one asset."),
            ),
            models.UniqueConstraint(
                fields=["licence", "user"],
                name="cmdb_seat_user_uniq",
                condition=Q(user__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["licence", "asset"],
                name="cmdb_seat_asset_uniq",
                condition=Q(asset__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.licence_id}: {self.user_id or self.asset_id}"


class SupplierReferral(models.Model):
    """Work (an incident, a task) referred to a supplier under a contract: the contract's SLA
    (an underpinning target) runs a clock on the referral until the work comes back."""

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("contract")
    )
    # Indexed by cmdb_referral_record_idx (record_type, record_id): no index of its own.
    record_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("record type"),
        db_index=False,
    )
    record_id = models.PositiveBigIntegerField(_("record id"))
    record = GenericForeignKey("record_type", "record_id")
    record_label = models.CharField(_("referred work"), max_length=100)
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unit"),
        help_text=_("Whose working calendar the supplier's clock counts in."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.OPEN
    )
    note = models.TextField(_("what was asked"), blank=True)
    supplier_reference = models.CharField(_("supplier's ticket number"), max_length=100, blank=True)
    outcome = models.TextField(_("what the supplier did"), blank=True)
    referred_at = models.DateTimeField(_("referred at"), default=timezone.now)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("referred by"),
    )
    closed_at = models.DateTimeField(_("came back at"), null=True, blank=True)

    class Meta:
        verbose_name = _("referral to a supplier")
        verbose_name_plural = _("referrals to suppliers")
        ordering = ["-referred_at", "-id"]
        indexes = [
            models.Index(fields=["record_type", "record_id"], name="cmdb_referral_record_idx"),
            models.Index(fields=["contract", "-referred_at"], name="cmdb_referral_contract_idx"),
            models.Index(fields=["referred_at", "id"], name="cmdb_referral_when_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["record_type", "record_id"],
                condition=Q(status=ReferralStatus.OPEN),
                name="cmdb_referral_one_open",
                violation_error_message=_("This work is already with a supplier."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_label} → {self.contract.supplier}"
