"""Work-item pages, mounted at /desk/work/, and the process panel's actions on a request."""

from django.urls import path

from khedmat.processes import views

app_name = "processes"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("bulk/", views.bulk, name="workitem_bulk"),
    path("views/", views.save_view, name="inbox_view_save"),
    path("views/<int:pk>/delete/", views.delete_view, name="inbox_view_delete"),
    path("<int:pk>/claim/", views.claim, name="workitem_claim"),
    path("<int:pk>/assign/", views.assign, name="workitem_assign"),
    path("<int:pk>/release/", views.release, name="workitem_release"),
    # the process panel of a request's page (/desk/requests/<code>/)
    path("requests/<str:code>/tasks/<int:pk>/act/", views.task_act, name="task_act"),
    path("requests/<str:code>/tasks/<int:pk>/claim/", views.task_claim, name="task_claim"),
    path("requests/<str:code>/tasks/<int:pk>/release/", views.task_release, name="task_release"),
    path("requests/<str:code>/tasks/<int:pk>/refer/", views.task_refer, name="task_refer"),
    path("requests/<str:code>/calls/<int:pk>/retry/", views.call_retry, name="call_retry"),
    path("requests/<str:code>/calls/<int:pk>/letter/", views.call_letter, name="call_letter"),
]
