"""Request pages: apply (under /services/), receipts and my requests (/requests/), /track/, desk."""

from khedmat.tickets.views import apply, desk, receipt, track

app_name = "tickets"

urlpatterns = [*apply.urlpatterns, *receipt.urlpatterns, *track.urlpatterns, *desk.urlpatterns]
