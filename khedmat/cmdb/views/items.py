"""CI pages under /desk/cmdb/: the list, one CI (attributes, relations, impact list and graph,
history), new and edit, relate and unrelate."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khedmat.cmdb import queries, services
from khedmat.cmdb.forms import CiFilterForm, CiForm, RelationForm
from khedmat.cmdb.impact import impact_graph, impact_of
from khedmat.cmdb.models import CiRelation, CiType, ConfigurationItem
from khedmat.cmdb.saved_lists import CIS
from khedmat.core.errors import DomainError
from khedmat.core.pagination import view_page
from khedmat.core.saved_views import saved_views_context


def _ci_or_404(code: str) -> ConfigurationItem:
    item = queries.desk_ci(code)
    if item is None:
        raise Http404("no such configuration item")
    return item


@require_GET
@permission_required("cmdb.view_configurationitem", raise_exception=True)
def ci_list(request: HttpRequest) -> HttpResponse:
    """CIs by name, filtered, keyset pages."""
    form = CiFilterForm(request.GET or None)
    rows = queries.ci_rows(form.filters())
    page = view_page(request, rows, order=queries.CI_ORDER, size=queries.PAGE_SIZE)
    context = {
        "form": form,
        "page": page,
        "after": request.GET.get("after", ""),
        **saved_views_context(request.user, CIS, request.GET.urlencode()),
    }
    return render(request, "cmdb/ci_list.html", context)


def _detail_context(
    request: HttpRequest, item: ConfigurationItem, relation_form: RelationForm | None = None
) -> dict[str, object]:
    impact = impact_of(item, request.user)
    return {
        "ci": item,
        "attributes": queries.attribute_rows(item),
        "relations": queries.relations_of(item),
        "impact": impact,
        "graph": impact_graph(item, impact),
        "history": queries.ci_history(item),
        "relation_form": relation_form or RelationForm(),
    }


@require_GET
@permission_required("cmdb.view_configurationitem", raise_exception=True)
def ci_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One CI: what it is, how it is related, what its failure reaches, what happened to it."""
    item = _ci_or_404(code)
    return render(request, "cmdb/ci_detail.html", _detail_context(request, item))


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("cmdb.add_configurationitem", raise_exception=True)
def ci_new(request: HttpRequest) -> HttpResponse:
    """Choose a type, then fill in the CI with that type's attributes."""
    ci_type = CiType.objects.filter(code=request.GET.get("type", "")).first()
    if ci_type is None:
        return render(request, "cmdb/ci_type_choice.html", {"types": CiType.objects.all()})
    form = CiForm(request.POST or None, ci_type=ci_type)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.create_ci(
                code=data["code"],
                name=data["name"],
                ci_type=ci_type,
                status=data["status"],
                owner_team=data["owner_team"],
                location=data["location"],
                service=data["service"],
                description=data["description"],
                attributes=form.attributes(),
                actor=request.user,
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            flash.success(request, _("The configuration item was added."))
            return redirect("cmdb:ci_detail", code=item.code)
    return render(request, "cmdb/ci_form.html", {"form": form, "ci_type": ci_type})


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("cmdb.change_configurationitem", raise_exception=True)
def ci_edit(request: HttpRequest, code: str) -> HttpResponse:
    item = _ci_or_404(code)
    initial = {
        "name": item.name,
        "status": item.status,
        "owner_team": item.owner_team,
        "location": item.location,
        "service": item.service,
        "description": item.description,
        **{f"attr_{key}": value for key, value in item.attributes.items()},
    }
    form = CiForm(request.POST or None, ci_type=item.ci_type, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_ci(
                item,
                actor=request.user,
                name=data["name"],
                status=data["status"],
                owner_team=data["owner_team"],
                location=data["location"],
                service=data["service"],
                description=data["description"],
                attributes=form.attributes(),
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            flash.success(request, _("The configuration item was saved."))
            return redirect("cmdb:ci_detail", code=item.code)
    return render(request, "cmdb/ci_form.html", {"form": form, "ci_type": item.ci_type, "ci": item})


@require_POST
@permission_required("cmdb.add_cirelation", raise_exception=True)
def ci_relate(request: HttpRequest, code: str) -> HttpResponse:
    item = _ci_or_404(code)
    form = RelationForm(request.POST)
    if form.is_valid():
        other = form.cleaned_data["other"]
        source, target = (item, other) if form.cleaned_data["direction"] == "out" else (other, item)
        try:
            services.relate(source, target, form.cleaned_data["kind"], actor=request.user)
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            flash.success(request, _("The relation was added."))
            return redirect("cmdb:ci_detail", code=item.code)
    context = _detail_context(request, item, form)
    return render(request, "cmdb/ci_detail.html", context, status=400)


@require_POST
@permission_required("cmdb.delete_cirelation", raise_exception=True)
def ci_unrelate(request: HttpRequest, code: str, relation_id: int) -> HttpResponse:
    item = _ci_or_404(code)
    relation = get_object_or_404(
        CiRelation.objects.filter(source=item) | CiRelation.objects.filter(target=item),
        pk=relation_id,
    )
    services.unrelate(relation, actor=request.user)
    flash.success(request, _("The relation was removed."))
    return redirect("cmdb:ci_detail", code=item.code)


urlpatterns: list[URLPattern] = [
    path("", ci_list, name="ci_list"),
    path("new/", ci_new, name="ci_new"),
    path("items/<slug:code>/", ci_detail, name="ci_detail"),
    path("items/<slug:code>/edit/", ci_edit, name="ci_edit"),
    path("items/<slug:code>/relations/", ci_relate, name="ci_relate"),
    path(
        "items/<slug:code>/relations/<int:relation_id>/delete/",
        ci_unrelate,
        name="ci_unrelate",
    ),
]
