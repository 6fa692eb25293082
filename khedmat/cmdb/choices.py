"""Choices of the CMDB: attribute kinds, CI lifecycle, relation kinds and how impact flows along
them; asset, licence and contract statuses."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AttributeKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    REFERENCE = "reference", _("Reference to a CI")


class CiStatus(models.TextChoices):
    """A configuration item's lifecycle."""

    PLANNED = "planned", _("Planned")
    IN_BUILD = "in_build", _("Being built")
    LIVE = "live", _("Live")
    MAINTENANCE = "maintenance", _("Under maintenance")
    RETIRED = "retired", _("Retired")


class RelationKind(models.TextChoices):
    """A typed, directed relation: source <kind> target (the web server runs on the host)."""

    DEPENDS_ON = "depends_on", _("depends on")
    RUNS_ON = "runs_on", _("runs on")
    CONNECTED_TO = "connected_to", _("connected to")
    PART_OF = "part_of", _("part of")


#: When a CI fails, which relations carry the impact to which end. `depends on`, `runs on` and
#: `connected to`: the target's failure reaches the source (the web server fails with its host;
#: the printer connected to a switch loses it with the switch, not the other way). `part of`: the
#: part's failure reaches the whole.
IMPACT_TO_SOURCE = (RelationKind.DEPENDS_ON, RelationKind.RUNS_ON, RelationKind.CONNECTED_TO)
IMPACT_TO_TARGET = (RelationKind.PART_OF,)


class AssetKind(models.TextChoices):
    HARDWARE = "hardware", _("Hardware")
    SOFTWARE = "software", _("Software")


class AssetStatus(models.TextChoices):
    IN_STOCK = "in_stock", _("In stock")
    IN_USE = "in_use", _("In use")
    IN_REPAIR = "in_repair", _("In repair")
    DISPOSED = "disposed", _("Disposed")


class ContractKind(models.TextChoices):
    MAINTENANCE = "maintenance", _("Maintenance")
    UNDERPINNING = "underpinning", _("Underpinning contract")
    SUPPORT = "support", _("Support")
    LICENCE = "licence", _("Licence")


class ReferralStatus(models.TextChoices):
    """Work referred to a supplier: with them, back from them, or taken back."""

    OPEN = "open", _("With the supplier")
    RETURNED = "returned", _("Back from the supplier")
    WITHDRAWN = "withdrawn", _("Withdrawn")
