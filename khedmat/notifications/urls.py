from django.urls import path

from khedmat.notifications import views

app_name = "notifications"

urlpatterns = [
    path("desk/messages/", views.message_list, name="message_list"),
    path("desk/messages/<int:pk>/", views.message_detail, name="message_detail"),
    path("desk/messages/<int:pk>/resend/", views.message_resend, name="message_resend"),
    path("hooks/sms/<slug:provider>/", views.sms_callback, name="sms_callback"),
]
