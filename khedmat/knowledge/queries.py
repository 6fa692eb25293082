"""Reads of the knowledge base for the portal and the desk (a constant number of queries)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils.safestring import SafeString

from khedmat.knowledge.choices import ArticleKind, Audience
from khedmat.knowledge.models import Article, ArticleQuerySet, Category
from khedmat.search.backends import Hit, search
from khedmat.search.highlight import highlight

ARTICLE_KIND = "article"
SEARCH_LIMIT = 50
SUGGESTIONS = 5


@dataclass(frozen=True)
class ArticleResult:
    """An article found by a search, with its title highlighted in the reader's language."""

    article: Article
    highlight: SafeString
    score: float


def _scopes(user: Any) -> list[str]:
    if getattr(user, "is_staff", False):
        return [Audience.PUBLIC, Audience.STAFF]
    return [Audience.PUBLIC]


def _articles() -> ArticleQuerySet:
    return Article.objects.select_related("current_version", "category")


def article_list(user: Any, *, category: Category | None = None) -> list[Article]:
    """Published articles the user may read, by category and position."""
    articles = _articles().visible_to(user)
    if category is not None:
        articles = articles.filter(category=category)
    return list(articles.order_by("category__position", "position", "-updated_at", "id"))


def article_search(query: str, user: Any, *, limit: int = SEARCH_LIMIT) -> list[ArticleResult]:
    """Articles the user may read matching `query`, best first (two queries)."""
    hits = search(ARTICLE_KIND, query, limit=limit, filters={"scopes": _scopes(user)})
    if not hits:
        return []
    by_id = {a.pk: a for a in _articles().visible_to(user).filter(pk__in=[h.id for h in hits])}
    return [
        ArticleResult(by_id[hit.id], _title_highlight(by_id[hit.id], hit, query), hit.score)
        for hit in hits
        if hit.id in by_id
    ]


def _title_highlight(article: Article, hit: Hit, query: str) -> SafeString:
    """The title in the reader's language, marked; the Persian title when only it matched."""
    marked = highlight(article.title, query)
    return marked if "<mark>" in marked else hit.highlight


def suggest_articles(query: str, *, limit: int = SUGGESTIONS) -> list[ArticleResult]:
    """The top public articles for what an applicant is typing."""
    return article_search(query, None, limit=limit)


def article_for_user(pk: int, user: Any) -> Article:
    """A readable article with its feedback counts; Article.DoesNotExist otherwise."""
    return (
        _articles()
        .visible_to(user)
        .annotate(
            helpful_count=Count("feedback", filter=Q(feedback__helpful=True)),
            unhelpful_count=Count("feedback", filter=Q(feedback__helpful=False)),
        )
        .get(pk=pk)
    )


def faq_for_service(service: Any) -> list[Article]:
    """Public published FAQ linked to a service (for its card page)."""
    return list(
        _articles()
        .published()
        .filter(services=service, kind=ArticleKind.FAQ, audience=Audience.PUBLIC)
        .order_by("position", "id")
    )


def articles_for_ticket(ticket: Any, user: Any, *, limit: int = SUGGESTIONS) -> list[Article]:
    """Articles for an agent reading a request: linked to it or its service, then matching its
    service's title; staff-only articles included."""
    linked = list(
        _articles()
        .visible_to(user)
        .filter(Q(ticket_links__ticket=ticket) | Q(services=ticket.service_id))
        .distinct()
        .order_by("position", "id")[:limit]
    )
    if len(linked) >= limit:
        return linked
    version = ticket.service_version
    title = version.title_fa if version is not None else ""
    seen = {a.pk for a in linked}
    filters = {"scopes": _scopes(user), "match": "any"}
    hits = [hit.id for hit in search(ARTICLE_KIND, title, limit=limit, filters=filters)]
    wanted = [pk for pk in hits if pk not in seen][: limit - len(linked)]
    if not wanted:
        return linked
    found = {a.pk: a for a in _articles().visible_to(user).filter(pk__in=wanted)}
    return linked + [found[pk] for pk in wanted if pk in found]


def category_list() -> list[Category]:
    """Active categories."""
    return list(Category.objects.filter(is_active=True))
