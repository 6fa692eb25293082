"""CMDB pages under /desk/cmdb/: CIs, relations and impact (views.items), assets, licences,
contracts and suppliers (views.assets), import and export (views.transfer)."""

from khedmat.cmdb.views import assets, items, transfer

app_name = "cmdb"

urlpatterns = [*transfer.urlpatterns, *items.urlpatterns, *assets.urlpatterns]
