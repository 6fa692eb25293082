"""Public catalog pages under /services/ (DESIGN.md §6): list and search, card, apply, exports."""

from django.urls import path, register_converter

from khedmat.catalog import views
from khedmat.catalog.converters import ServiceCodeConverter
from khedmat.tickets.views.apply import service_apply

register_converter(ServiceCodeConverter, "service_code")

app_name = "catalog"

urlpatterns = [
    path("", views.service_list, name="service_list"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.json", views.export_json, name="export_json"),
    path("<service_code:code>/", views.service_detail, name="service_detail"),
    # The stable request-start address; the application page belongs to the tickets app.
    path("<service_code:code>/apply/", service_apply, name="service_apply"),
    path("<service_code:code>/guide/", views.service_guide, name="service_guide"),
    path("<service_code:code>/flowchart/", views.service_flowchart, name="service_flowchart"),
]
