"""CMDB pages under /desk/cmdb/: CIs, relations and impact (views.items), assets, licences,
contracts and suppliers (views.assets), import and export (views.transfer); the save and delete URLs of each list's saved views."""

from khedmat.cmdb import saved_lists as lists
from khedmat.cmdb.views import assets, items, referrals, transfer
from khedmat.core.saved_view_urls import saved_view_urls

app_name = "cmdb"

urlpatterns = [
    *saved_view_urls("", lists.CIS, name="ci"),
    *saved_view_urls("assets/", lists.ASSETS, name="asset"),
    *saved_view_urls("licences/", lists.LICENCES, name="licence"),
    *saved_view_urls("contracts/", lists.CONTRACTS, name="contract"),
    *saved_view_urls("suppliers/", lists.SUPPLIERS, name="supplier"),
    *referrals.urlpatterns,
    *transfer.urlpatterns,
    *items.urlpatterns,
    *assets.urlpatterns,
]
