from django.urls import path

from khedmat.retention import views

app_name = "retention"
urlpatterns = [
    path("", views.retention_report, name="retention_report"),
]
