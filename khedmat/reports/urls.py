from django.urls import URLPattern, path

from khedmat.reports import views

app_name = "reports"
urlpatterns: list[URLPattern] = [
    path("", views.performance, name="performance"),
    path("performance.csv", views.performance_csv, name="performance_csv"),
]
