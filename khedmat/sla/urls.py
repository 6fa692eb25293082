from django.urls import path

from khedmat.sla import views

app_name = "sla"

urlpatterns = [
    path("desk/reports/sla/", views.compliance_report_view, name="compliance_report"),
]
