"""Request pages: apply (under /services/), receipts and my requests (/requests/), /track/, desk,
the staff search (/desk/search/)."""

from khedmat.tickets.views import apply, desk, receipt, search, track

app_name = "tickets"

urlpatterns = [
    *apply.urlpatterns,
    *receipt.urlpatterns,
    *track.urlpatterns,
    *desk.urlpatterns,
    *search.urlpatterns,
]
