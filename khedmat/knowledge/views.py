"""Knowledge pages: the portal's list, search, article and feedback; the desk's; suggestions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from khedmat.core import ratelimit
from khedmat.core.http import client_limit_address
from khedmat.knowledge import queries, services
from khedmat.knowledge.errors import FeedbackAlreadyGivenError
from khedmat.knowledge.models import Article

QUERY_MAX_LENGTH = 200


def _query(request: HttpRequest) -> str:
    return request.GET.get("q", "").strip()[:QUERY_MAX_LENGTH]


def _require_staff(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise Http404


def _list_context(request: HttpRequest, user: object) -> dict[str, object]:
    query = _query(request)
    context: dict[str, object] = {"query": query}
    if query:
        context["results"] = queries.article_search(query, user)
    else:
        context["articles"] = queries.article_list(user)
    return context


@login_not_required
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    """/knowledge/: public articles and FAQ, or the ones matching ?q=."""
    return render(request, "knowledge/article_list.html", _list_context(request, None))


@login_not_required
@require_GET
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A public article with "was this helpful?"."""
    try:
        article = queries.article_for_user(pk, None)
    except Article.DoesNotExist as error:
        raise Http404 from error
    return render(request, "knowledge/article_detail.html", {"article": article})


@login_not_required
@require_POST
def article_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """HTMX: record "helpful" or "not helpful" once per user or session; answers the partial.
    One address may send KHEDMAT_FEEDBACK_PER_IP_HOUR of them an hour (a new session each time
    would otherwise pass the once-per-session rule)."""
    try:
        article = queries.article_for_user(pk, None)
    except Article.DoesNotExist as error:
        raise Http404 from error
    key = f"feedback:ip:{client_limit_address(request)}"
    if ratelimit.retry_after(key, maximum=settings.KHEDMAT_FEEDBACK_PER_IP_HOUR):
        context = {"article": article, "limited": True}
        return render(request, "knowledge/_feedback_done.html", context, status=429)
    ratelimit.record_failure(key, window=3600)
    if not request.session.session_key:
        request.session.save()
    already = False
    try:
        services.rate_article(
            article,
            helpful=request.POST.get("helpful") == "yes",
            actor=request.user,
            session_key=request.session.session_key or "",
            comment=request.POST.get("comment", "")[:2000],
        )
    except FeedbackAlreadyGivenError:
        already = True
    return render(
        request, "knowledge/_feedback_done.html", {"article": article, "already": already}
    )


@login_not_required
@require_GET
def article_suggest(request: HttpRequest) -> HttpResponse:
    """HTMX: the top public articles matching ?q= (or ?title= / ?subject=, the field typed in)."""
    query = _query(request) or next(
        (
            request.GET.get(name, "").strip()[:QUERY_MAX_LENGTH]
            for name in ("title", "subject")
            if request.GET.get(name, "").strip()
        ),
        "",
    )
    results = queries.suggest_articles(query)
    return render(request, "knowledge/_suggestions.html", {"results": results})


@require_GET
def desk_article_list(request: HttpRequest) -> HttpResponse:
    """/desk/knowledge/: every published article, staff-only ones included."""
    _require_staff(request)
    return render(request, "knowledge/desk_article_list.html", _list_context(request, request.user))


@require_GET
def desk_article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A published article for staff."""
    _require_staff(request)
    try:
        article = queries.article_for_user(pk, request.user)
    except Article.DoesNotExist as error:
        raise Http404 from error
    return render(request, "knowledge/desk_article_detail.html", {"article": article})


def _staff_ticket(request: HttpRequest, ticket_pk: int) -> Any:
    from khedmat.tickets.models import Ticket

    _require_staff(request)
    return get_object_or_404(
        Ticket.objects.visible_to_staff(request.user).select_related("service_version"),
        pk=ticket_pk,
    )


def _request_articles(request: HttpRequest, ticket: Any) -> HttpResponse:
    articles = queries.articles_for_ticket(ticket, request.user)
    linked = set(ticket.article_links.values_list("article_id", flat=True))
    context = {"articles": articles, "ticket": ticket, "linked": linked}
    return render(request, "knowledge/_request_articles.html", context)


@require_GET
def desk_request_articles(request: HttpRequest, ticket_pk: int) -> HttpResponse:
    """HTMX partial for the request page: articles for this request."""
    return _request_articles(request, _staff_ticket(request, ticket_pk))


@require_POST
def desk_link_article(request: HttpRequest, pk: int, ticket_pk: int) -> HttpResponse:
    """HTMX: link an article the agent may read to a request they may see; the partial again."""
    ticket = _staff_ticket(request, ticket_pk)
    if not request.user.has_perm("knowledge.view_article"):  # who reads articles may link them
        raise PermissionDenied
    try:
        article = queries.article_for_user(pk, request.user)
    except Article.DoesNotExist as error:
        raise Http404 from error
    services.link_article_to_ticket(article, ticket, actor=request.user)
    return _request_articles(request, ticket)
