"""The REST API at /api/v1/ (OpenAPI at /api/v1/openapi.json); apps mount their routers here."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import django_auth
from ninja.types import DictStrAny

from khedmat import __version__
from khedmat.core.errors import DomainError
from khedmat.core.http import load_json


class JsonParser(Parser):
    """Bodies parsed by core.http.load_json: a body nested too deeply is a 400 like any bad JSON
    (ninja answers "Cannot parse request body" for what the parser raises), never a 500."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        return load_json(request.body)


api = NinjaAPI(
    title="Khedmat API",
    version="1",
    urls_namespace="api",
    auth=django_auth,
    docs_url="/docs",
    parser=JsonParser(),
)
api.add_router("/sla/", "khedmat.sla.api.router")
api.add_router("/catalog/", "khedmat.catalog.api.router")
api.add_router("/requests/", "khedmat.tickets.api.router")
api.add_router("/work-items/", "khedmat.processes.api.router")
api.add_router("/complaints/", "khedmat.complaints.api.router")
api.add_router("/itsm/", "khedmat.itsm.api.router")
api.add_router("/cmdb/", "khedmat.cmdb.api.router")
api.add_router("/changes/", "khedmat.changes.api.router")


class VersionOut(Schema):
    name: str
    version: str


@api.get("/version", response=VersionOut, auth=None, summary="Product name and version")
def version(request: HttpRequest) -> dict:
    """Public: which product answers here; its version only to signed-in staff (ASVS 14.3.3: an
    anonymous caller learns nothing to match against a list of known flaws)."""
    staff = getattr(request.user, "is_staff", False)
    return {"name": "khedmat", "version": __version__ if staff else ""}


# Ninja's own answers, translated: the caller reads them in their language like every other error.
_NINJA_MESSAGES = {
    "Unauthorized": _("Log in first."),
    "Forbidden": _("You are not allowed to do this."),
    "CSRF check Failed": _("The form's security token is missing or wrong; reload and try again."),
    "Too many requests.": _("Too many requests. Please try again later."),
    "Cannot parse request body": _("The request is not valid JSON."),
}


@api.exception_handler(HttpError)
def translated_http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    """An HttpError with a translated message (ours are translated already; ninja's are mapped)."""
    key = error.message.split(" (", 1)[0]  # under DEBUG ninja appends the parser's error
    message = _NINJA_MESSAGES.get(key, error.message)
    return api.create_response(request, {"detail": str(message)}, status=error.status_code)


@api.exception_handler(ValidationError)
def translated_validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    """A body or query that does not fit the schema: a translated summary and ninja's details."""
    return api.create_response(
        request,
        {"detail": str(_("The request does not have the expected shape.")), "errors": error.errors},
        status=422,
    )


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    """Any app's domain error an endpoint did not map itself: the same JSON shape as every other
    error (`{"detail": …}`, translated) with the error class's status (409 unless it says)."""
    return api.create_response(request, {"detail": str(error.message)}, status=error.status_code)
