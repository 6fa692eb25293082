"""Knowledge pages: /knowledge/ (public) and /desk/knowledge/ (staff)."""

from django.urls import path

from khedmat.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("knowledge/", views.article_list, name="article_list"),
    path("knowledge/suggest/", views.article_suggest, name="article_suggest"),
    path("knowledge/<int:pk>/", views.article_detail, name="article_detail"),
    path("knowledge/<int:pk>/feedback/", views.article_feedback, name="article_feedback"),
    path("desk/knowledge/", views.desk_article_list, name="desk_article_list"),
    path("desk/knowledge/<int:pk>/", views.desk_article_detail, name="desk_article_detail"),
    path(
        "desk/knowledge/for-request/<int:ticket_pk>/",
        views.desk_request_articles,
        name="desk_request_articles",
    ),
    path(
        "desk/knowledge/<int:pk>/link/<int:ticket_pk>/",
        views.desk_link_article,
        name="desk_link_article",
    ),
]
