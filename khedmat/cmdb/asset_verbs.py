"""The Activity verbs of assets, licences, contracts and suppliers, with their labels."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTIVITY_LABELS: dict[str, Promise] = {
    "asset.registered": _("Asset registered"),
    "asset.updated": _("Asset changed"),
    "asset.assigned": _("Asset assigned"),
    "asset.returned": _("Asset returned to stock"),
    "asset.disposed": _("Asset disposed of"),
    "licence.added": _("Licence added"),
    "licence.updated": _("Licence changed"),
    "licence.seat_assigned": _("Licence seat given"),
    "licence.seat_released": _("Licence seat released"),
    "licence.expiry_warned": _("Licence expiry announced"),
    "supplier.added": _("Supplier added"),
    "supplier.updated": _("Supplier changed"),
    "contract.added": _("Contract added"),
    "contract.updated": _("Contract changed"),
    "contract.ending_warned": _("Contract end announced"),
}
