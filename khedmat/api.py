"""The REST API at /api/v1/ (OpenAPI at /api/v1/openapi.json); apps mount their routers here."""

from django.http import HttpRequest
from ninja import NinjaAPI, Schema
from ninja.security import django_auth

from khedmat import __version__

api = NinjaAPI(
    title="Khedmat API",
    version="1",
    urls_namespace="api",
    auth=django_auth,
    docs_url="/docs",
)
api.add_router("/sla/", "khedmat.sla.api.router")
api.add_router("/catalog/", "khedmat.catalog.api.router")
api.add_router("/requests/", "khedmat.tickets.api.router")


class VersionOut(Schema):
    name: str
    version: str


@api.get("/version", response=VersionOut, auth=None, summary="Product name and version")
def version(request: HttpRequest) -> dict:
    """Public: which Khedmat answers here."""
    return {"name": "khedmat", "version": __version__}
