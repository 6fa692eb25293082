"""Public catalog pages (R-2, R-7, R-8): readable without login, at stable addresses."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone, translation
from django.views.decorators.http import require_safe

from khedmat.catalog import exports, queries
from khedmat.catalog.forms import CatalogSearchForm
from khedmat.catalog.models import Category, Service


def _card_or_404(code: str) -> Service:
    try:
        return queries.published_service_card(code)
    except Service.DoesNotExist as error:
        raise Http404("no such published service") from error


@login_not_required
@require_safe
def service_list(request: HttpRequest) -> HttpResponse:
    """The catalog: search with ?q= (Persian/Arabic-normalised), or the service tree by category."""
    form = CatalogSearchForm(request.GET)
    query, category_code = "", ""
    if form.is_valid():
        query = form.cleaned_data["q"]
        category_code = form.cleaned_data["category"]
    category = None
    if category_code:
        category = get_object_or_404(Category, code=category_code, is_active=True)
    context = {
        "form": form,
        "query": query,
        "category": category,
        "categories": queries.category_list(),
        "status_counts": queries.electronic_status_counts(),
    }
    if query:
        context["results"] = queries.search_services(query)
    else:
        context["tree"] = queries.catalog_tree(category)
    return render(request, "catalog/service_list.html", context)


@login_not_required
@require_safe
def service_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The public identity card (شناسنامه خدمت) of a published service: every R-3 group."""
    service = _card_or_404(code)
    # The page template loads the knowledge base's FAQ of the service through knowledge's
    # template tag: catalog sits below knowledge and does not import it.
    context = {"service": service, "version": service.current_version}
    return render(request, "catalog/service_detail.html", context)


def _file_response(code: str, field_name: str) -> FileResponse:
    service = _card_or_404(code)
    stored = getattr(service.current_version, field_name)
    if not stored:
        raise Http404("no file")
    try:
        handle = stored.open("rb")
    except FileNotFoundError as error:
        raise Http404("file missing from storage") from error
    return FileResponse(handle, as_attachment=False, filename=stored.name.rsplit("/", 1)[-1])


@login_not_required
@require_safe
def service_guide(request: HttpRequest, code: str) -> FileResponse:
    """The user guide file of a published service's card in force."""
    return _file_response(code, "guide_file")


@login_not_required
@require_safe
def service_flowchart(request: HttpRequest, code: str) -> FileResponse:
    """The flowchart of a published service's card in force."""
    return _file_response(code, "flowchart")


def _export_name(extension: str) -> str:
    return f"khedmat-catalog-{timezone.localdate().isoformat()}.{extension}"


@login_not_required
@require_safe
def export_csv(request: HttpRequest) -> HttpResponse:
    """The published catalog as CSV (R-6), UTF-8 with a byte order mark."""
    base_url = request.build_absolute_uri("/").rstrip("/")
    body = exports.export_csv(queries.export_services(), base_url=base_url)
    response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_name("csv")}"'
    response["Content-Language"] = translation.get_language() or "fa"
    return response


@login_not_required
@require_safe
def export_json(request: HttpRequest) -> HttpResponse:
    """The published catalog as JSON (R-6), in the four parts of the registration form."""
    base_url = request.build_absolute_uri("/").rstrip("/")
    body = exports.export_json(queries.export_services(), base_url=base_url)
    response = HttpResponse(body.encode("utf-8"), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_name("json")}"'
    response["Content-Language"] = translation.get_language() or "fa"
    return response
