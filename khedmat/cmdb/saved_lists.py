"""The CMDB's desk lists whose filters staff may save under a name (the kernel keeps the views)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from khedmat.core.saved_views import register_saved_list

CIS, ASSETS, LICENCES, CONTRACTS, SUPPLIERS = "cis", "assets", "licences", "contracts", "suppliers"

#: kind: (the parameters a view keeps, the model whose view permission reads the list, the
#: list's URL name and Activity noun, the labels of its saved and deleted verbs)
LISTS = {
    CIS: (
        ("q", "ci_type", "status", "owner_team"),
        "configurationitem",
        "ci",
        (_("CI view saved"), _("CI view deleted")),
    ),
    ASSETS: (
        ("words", "status", "kind", "supplier"),
        "asset",
        "asset",
        (_("Asset view saved"), _("Asset view deleted")),
    ),
    LICENCES: (
        ("words", "supplier"),
        "licence",
        "licence",
        (_("Licence view saved"), _("Licence view deleted")),
    ),
    CONTRACTS: (
        ("words", "kind", "supplier", "ending_within"),
        "contract",
        "contract",
        (_("Contract view saved"), _("Contract view deleted")),
    ),
    SUPPLIERS: (
        ("words", "inactive"),
        "supplier",
        "supplier",
        (_("Supplier view saved"), _("Supplier view deleted")),
    ),
}


def register_saved_lists() -> None:
    for kind, (params, model, name, labels) in LISTS.items():
        register_saved_list(
            kind,
            params=params,
            permission=f"cmdb.view_{model}",
            page=f"cmdb:{name}_list",
            noun=f"{name}_view",
            labels=labels,
        )
