"""Staff search pages."""

from django.urls import path

from khedmat.search import views

app_name = "search"

urlpatterns = [path("desk/search/", views.request_search, name="request_search")]
