"""Work-item pages, mounted at /desk/work/."""

from django.urls import path

from khedmat.processes import views

app_name = "processes"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/claim/", views.claim, name="workitem_claim"),
    path("<int:pk>/assign/", views.assign, name="workitem_assign"),
    path("<int:pk>/release/", views.release, name="workitem_release"),
]
