from django.contrib.auth import views as auth_views
from django.urls import path

from khedmat.accounts import applicant_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("login/code/", views.verify, name="verify"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/setup/<str:token>/", views.enrolment_link, name="enrolment_link"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("applicant/login/", applicant_views.applicant_login, name="applicant_login"),
    path("applicant/code/", applicant_views.applicant_code, name="applicant_code"),
    path("applicant/profile/", applicant_views.applicant_profile, name="applicant_profile"),
]
