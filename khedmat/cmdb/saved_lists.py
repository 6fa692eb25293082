"""The CMDB's desk lists whose filters staff may save under a name (the kernel keeps the views)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from khedmat.core.saved_views import register_saved_list

CIS, ASSETS, LICENCES, CONTRACTS, SUPPLIERS = "cis", "assets", "licences", "contracts", "suppliers"


def register_saved_lists() -> None:
    register_saved_list(
        CIS,
        params=("q", "ci_type", "status", "owner_team"),
        permission="cmdb.view_configurationitem",
        page="cmdb:ci_list",
        noun="ci_view",
        labels=(_("CI view saved"), _("CI view deleted")),
    )
    register_saved_list(
        ASSETS,
        params=("words", "status", "kind", "supplier"),
        permission="cmdb.view_asset",
        page="cmdb:asset_list",
        noun="asset_view",
        labels=(_("Asset view saved"), _("Asset view deleted")),
    )
    register_saved_list(
        LICENCES,
        params=("words", "supplier"),
        permission="cmdb.view_licence",
        page="cmdb:licence_list",
        noun="licence_view",
        labels=(_("Licence view saved"), _("Licence view deleted")),
    )
    register_saved_list(
        CONTRACTS,
        params=("words", "kind", "supplier", "ending_within"),
        permission="cmdb.view_contract",
        page="cmdb:contract_list",
        noun="contract_view",
        labels=(_("Contract view saved"), _("Contract view deleted")),
    )
    register_saved_list(
        SUPPLIERS,
        params=("words", "inactive"),
        permission="cmdb.view_supplier",
        page="cmdb:supplier_list",
        noun="supplier_view",
        labels=(_("Supplier view saved"), _("Supplier view deleted")),
    )
