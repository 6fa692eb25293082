"""Public catalog pages under /services/ (DESIGN.md §6): list and search, card, guide, exports (apply: tickets)."""

from django.urls import path

from khedmat.catalog import (
    converters,  # noqa: F401  (registers <service_code:…>)
    views,
)

app_name = "catalog"

urlpatterns = [
    path("", views.service_list, name="service_list"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.json", views.export_json, name="export_json"),
    path("<service_code:code>/", views.service_detail, name="service_detail"),
    # The stable request-start address (R-8) /services/<code>/apply/ is tickets:service_apply.
    path("<service_code:code>/guide/", views.service_guide, name="service_guide"),
    path("<service_code:code>/flowchart/", views.service_flowchart, name="service_flowchart"),
]
