"""Reads of the catalog for the portal, the API, the admin and exports (a constant query count)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Count, Prefetch, Q, QuerySet

from khedmat.catalog.choices import ElectronicStatus
from khedmat.catalog.models import Category, Service, ServiceVersion
from khedmat.core.text import search_variants

# The rows a card page shows, prefetched in one query each.
CARD_ROW_SETS: tuple[str, ...] = (
    "documents",
    "steps",
    "fees",
    "faq",
    "stages",
    "inquiries",
    "form_fields",
)
SEARCH_RESULTS_MAX = 100


def category_list() -> list[Category]:
    """Active categories in portal order, each with `service_count` (published services)."""
    published = Q(services__is_published=True, services__current_version__isnull=False)
    published &= Q(services__parent__isnull=True)
    return list(
        Category.objects.filter(is_active=True)
        .annotate(service_count=Count("services", filter=published))
        .order_by("position", "id")
    )


def _listed() -> QuerySet[Service]:
    return Service.objects.published().select_related("current_version", "category")


def catalog_tree(category: Category | None = None) -> list[Service]:
    """Published top-level services (category order) with `sub_services`, the published children."""
    children = Prefetch(
        "children",
        queryset=Service.objects.published()
        .select_related("current_version")
        .order_by("position", "code"),
        to_attr="sub_services",
    )
    services = _listed().filter(parent__isnull=True).prefetch_related(children)
    if category is not None:
        services = services.filter(category=category)
    return list(services.order_by("category__position", "category_id", "position", "code"))


def search_services(query: str, *, limit: int = SEARCH_RESULTS_MAX) -> list[Service]:
    """Published services and sub-services matching `query` across ی/ي, ک/ك, ZWNJ… (R-35).

    Through the search index (PostgreSQL full text and trigrams, SQLite FTS5): every word of the
    normalised query starts a word of the card (title, keywords, code…); title matches first.
    """
    from khedmat.search.backends import search

    hits = search("service", query, limit=limit, filters={"scopes": ["public"]})
    if not hits:
        return []
    found = {
        service.pk: service
        for service in _listed()
        .select_related("parent__current_version")
        .filter(pk__in=[hit.id for hit in hits])
    }
    return [found[hit.id] for hit in hits if hit.id in found]


def search_condition(query: str) -> Q | None:
    """The filter on the current card's search key for a query, or None for an empty query."""
    variants = search_variants(query)
    if not variants:
        return None
    words = Q()
    for word in variants[0].split(" "):
        words &= Q(current_version__search_key__contains=word)
    condition = words
    for variant in variants[1:]:
        condition |= Q(current_version__search_key__contains=variant)
    return condition


def most_used_services(limit: int = 6) -> list[Service]:
    """Published services with the most recipients a year (the card's statistics, R-3 item 15)."""
    return list(
        _listed()
        .select_related("parent__current_version")
        .filter(current_version__recipients_per_year__isnull=False)
        .order_by("-current_version__recipients_per_year", "code")[:limit]
    )


def electronic_status_counts() -> dict[str, int]:
    """Published services (and sub-services) per derived electronic status (R-4)."""
    rows = (
        Service.objects.published()
        .values("current_version__electronic_status")
        .annotate(count=Count("id"))
        .order_by()
    )
    counts = dict.fromkeys(ElectronicStatus.values, 0)
    for row in rows:
        counts[row["current_version__electronic_status"]] = row["count"]
    return counts


def card_version_queryset() -> QuerySet[ServiceVersion]:
    """Versions with everything a card shows, in a fixed number of queries."""
    return ServiceVersion.objects.select_related(
        "service__category",
        "service__parent__current_version",
        "agency__parent",
        "responsible_unit__parent",
        "created_by",
    ).prefetch_related(*CARD_ROW_SETS)


def published_service_card(code: str) -> Service:
    """A published service by code with its card in force, rows and published sub-services.

    Raises Service.DoesNotExist when there is no such published service.
    """
    children = Prefetch(
        "children",
        queryset=Service.objects.published()
        .select_related("current_version")
        .order_by("position", "code"),
        to_attr="sub_services",
    )
    return (
        Service.objects.published()
        .select_related(
            "category",
            "parent__current_version",
            "current_version__agency__parent",
            "current_version__responsible_unit__parent",
        )
        .prefetch_related(children, *[f"current_version__{name}" for name in CARD_ROW_SETS])
        .get(code=code)
    )


def service_version(service: Service, number: int) -> ServiceVersion:
    """One version of a service's card, current or old (R-5); ServiceVersion.DoesNotExist if none."""
    return card_version_queryset().get(service=service, number=number)


def version_history(service: Service) -> list[ServiceVersion]:
    """Every version of the card, newest first, with who made it."""
    return list(
        ServiceVersion.objects.filter(service=service)
        .select_related("created_by")
        .only(
            "id",
            "service_id",
            "number",
            "created_at",
            "created_by__username",
            "created_by__first_name",
            "created_by__last_name",
            "change_summary",
            "changed_fields",
            "title_fa",
            "title_ar",
            "title_en",
        )
        .order_by("-number")
    )


def services_page(
    *,
    after: str | None,
    limit: int,
    category_code: str | None = None,
    query: str | None = None,
    published_only: bool = True,
) -> list[Service]:
    """Up to `limit` services by code after the code `after` (keyset pagination) for the API."""
    services = Service.objects.published() if published_only else Service.objects.all()
    services = services.select_related("current_version", "category", "parent")
    if category_code:
        services = services.filter(category__code=category_code)
    if query:
        condition = search_condition(query)
        if condition is not None:
            services = services.filter(condition)
    if after:
        services = services.filter(code__gt=after)
    return list(services.order_by("code")[:limit])


def categories_page(*, after: tuple[int, int] | None, limit: int) -> list[Category]:
    """Up to `limit` active categories in portal order after (position, id) for the API."""
    categories = Category.objects.filter(is_active=True)
    if after is not None:
        position, pk = after
        categories = categories.filter(Q(position__gt=position) | Q(position=position, id__gt=pk))
    published = Q(
        services__is_published=True,
        services__current_version__isnull=False,
        services__parent__isnull=True,
    )
    return list(
        categories.annotate(service_count=Count("services", filter=published)).order_by(
            "position", "id"
        )[:limit]
    )


def export_services(
    *, published_only: bool = True, codes: Sequence[str] | None = None
) -> list[Service]:
    """Every service and sub-service with its card in force, parents first (R-6)."""
    services = (
        Service.objects.published()
        if published_only
        else Service.objects.filter(current_version__isnull=False)
    )
    if codes is not None:
        services = services.filter(code__in=list(codes))
    return list(
        services.select_related(
            "category",
            "parent",
            "current_version__agency__parent",
            "current_version__responsible_unit__parent",
        )
        .prefetch_related(*[f"current_version__{name}" for name in CARD_ROW_SETS])
        .order_by("category__position", "category_id", "code")
    )
