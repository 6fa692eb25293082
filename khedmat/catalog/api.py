"""Catalog read endpoints (public): categories, services with keyset pagination, cards, forms.

The lists are pages of core.pagination (`?after=<next>&limit=<n>`, at most 200); the rows'
answers are the schemas of catalog.schemas, which read the rows the endpoints return.

No `from __future__ import annotations` here: django-ninja reads the parameters of a paginated
operation in the namespace of ninja.pagination's wrapper, where a name in a string is unknown."""

from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from khedmat.catalog import queries
from khedmat.catalog.models import Category, Service, ServiceVersion
from khedmat.catalog.schemas import CategoryOut, FormOut, ServiceCardOut, ServiceSummaryOut
from khedmat.core.pagination import KeysetPagination

router = Router(tags=["catalog"])


class ServiceFilters(Schema):
    category: str | None = None
    q: str | None = None


# --- reading ----------------------------------------------------------------------------------


def _published(code: str) -> Service:
    try:
        return queries.published_service_card(code)
    except Service.DoesNotExist as error:
        raise Http404("no such published service") from error


def _card_version(service: Service) -> ServiceVersion:
    """The card in force of a published service, read with the service (its schemas read both)."""
    version = service.current_version
    assert version is not None  # published services have a card in force
    version.service = service
    return version


# --- endpoints --------------------------------------------------------------------------------


@router.get("/categories", response=list[CategoryOut], auth=None, summary="Service categories")
@paginate(KeysetPagination, order=("position", "id"))
def list_categories(request: HttpRequest) -> QuerySet[Category]:
    """Public: active categories in portal order, `limit` at a time; pass `next` as `after`."""
    published = Q(
        services__is_published=True,
        services__current_version__isnull=False,
        services__parent__isnull=True,
    )
    return Category.objects.filter(is_active=True).annotate(
        service_count=Count("services", filter=published)
    )


@router.get("/services", response=list[ServiceSummaryOut], auth=None, summary="Published services")
@paginate(KeysetPagination, order=("code",))
def list_services(request: HttpRequest, filters: Query[ServiceFilters]) -> QuerySet[Service]:
    """Public: published services and sub-services by code, `limit` at a time; filter by
    `category` code or search with `q` (Persian/Arabic-normalised). Pass `next` as `after`."""
    services = Service.objects.published().select_related("current_version", "category", "parent")
    if filters.category:
        services = services.filter(category__code=filters.category)
    condition = queries.search_condition(filters.q) if filters.q else None
    if condition is not None:
        services = services.filter(condition)
    return services


@router.get("/services/{code}", response=ServiceCardOut, auth=None, summary="Service identity card")
def get_service(request: HttpRequest, code: str) -> ServiceVersion:
    """Public: the identity card in force of a published service, every R-3 field."""
    return _card_version(_published(code))


@router.get(
    "/services/{code}/versions/{number}",
    response=ServiceCardOut,
    auth=None,
    summary="One version of a service identity card",
)
def get_service_version(request: HttpRequest, code: str, number: int) -> ServiceVersion:
    """Public: an old or current version of a published service's card (R-5)."""
    service = _published(code)
    try:
        version = queries.service_version(service, number)
    except ServiceVersion.DoesNotExist as error:
        raise Http404("no such version") from error
    version.service = service  # the published service, with its sub-services
    return version


@router.get("/services/{code}/form", response=FormOut, auth=None, summary="Application form")
def get_service_form(request: HttpRequest, code: str) -> ServiceVersion:
    """Public: the form definition of the card in force: field rows with options and conditions."""
    return _card_version(_published(code))
