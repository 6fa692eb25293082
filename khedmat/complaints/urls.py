"""Complaint pages: /complaints/ on the portal and /desk/complaints/ for staff."""

from django.urls import path

from khedmat.complaints.views import desk, portal

app_name = "complaints"

urlpatterns = [
    path("complaints/new/", portal.complaint_new, name="complaint_new"),
    path("complaints/track/", portal.complaint_track, name="complaint_track"),
    path(
        "complaints/track/<str:code>/",
        portal.complaint_track_detail,
        name="complaint_track_detail",
    ),
    path("complaints/<str:code>/receipt/", portal.complaint_receipt, name="complaint_receipt"),
    path("desk/complaints/", desk.desk_complaint_list, name="desk_complaint_list"),
    path("desk/complaints/new/", desk.desk_complaint_new, name="desk_complaint_new"),
    path("desk/complaints/overdue/", desk.desk_overdue_report, name="desk_overdue_report"),
    path("desk/complaints/<str:code>/", desk.desk_complaint_detail, name="desk_complaint_detail"),
    path("desk/complaints/<str:code>/act/", desk.desk_complaint_act, name="desk_complaint_act"),
    path(
        "desk/complaints/<str:code>/access-log/",
        desk.desk_complaint_access_log,
        name="desk_complaint_access_log",
    ),
]
