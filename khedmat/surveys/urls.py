"""Survey URLs: the public page by link token, the desk report and follow-ups."""

from django.urls import path

from khedmat.surveys import views

app_name = "surveys"

urlpatterns = [
    path("survey/track/<str:code>/", views.survey_from_tracking, name="survey_from_tracking"),
    path("survey/<str:token>/", views.survey_answer, name="survey_answer"),
    path("desk/surveys/", views.survey_report, name="survey_report"),
    path("desk/surveys/follow-ups/", views.follow_up_list, name="follow_up_list"),
    path("desk/surveys/follow-ups/<int:pk>/close/", views.follow_up_close, name="follow_up_close"),
]
