"""The peer's URLs: django-helpdesk (public form, public ticket view, REST API) and a minimal view."""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def version(request: HttpRequest) -> JsonResponse:
    """The minimal Django view: the ceiling of this server on this machine."""
    return JsonResponse({"name": "django-helpdesk", "version": "2.6.1"})


urlpatterns = [
    path("bench/version", version),
    path("", include("helpdesk.urls", namespace="helpdesk")),
]
