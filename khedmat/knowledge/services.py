"""Use cases of the knowledge base: write articles (a version per edit), publish, link, rate."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from khedmat.core.services import record_activity
from khedmat.knowledge.choices import TRANSITIONS, ArticleKind, ArticleStatus, Audience
from khedmat.knowledge.errors import FeedbackAlreadyGivenError, IllegalStatusChangeError
from khedmat.knowledge.models import (
    Article,
    ArticleFeedback,
    ArticleTicketLink,
    ArticleVersion,
    Category,
)
from khedmat.search.services import index_document, remove_document

ARTICLE_KIND = "article"
TEXT_FIELDS = ("title_fa", "title_ar", "title_en", "body_fa", "body_ar", "body_en")


def create_article(
    *,
    actor: Any,
    title_fa: str,
    category: Category | None = None,
    kind: str = ArticleKind.ARTICLE,
    audience: str = Audience.PUBLIC,
    services: Iterable[Any] = (),
    publish: bool = False,
    **texts: str,
) -> Article:
    """A new article (draft, or published) with its first version."""
    with transaction.atomic():
        article = Article.objects.create(kind=kind, audience=audience, category=category)
        article.services.set(list(services))
        _new_version(article, actor=actor, texts={"title_fa": title_fa, **texts})
        if publish:
            article.status = ArticleStatus.PUBLISHED
            article.save(update_fields=["status"])
        record_activity(article, "article.created", actor=actor, new=article.status)
        index_article(article)
    return article


def edit_article(article: Article, *, actor: Any, **changes: Any) -> Article:
    """Save an edit: the texts as a new version, the article's kind, audience, category, services."""
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        current = article.current_version
        texts = {name: getattr(current, name) for name in TEXT_FIELDS} if current else {}
        texts.update({name: changes.pop(name) for name in TEXT_FIELDS if name in changes})
        services = changes.pop("services", None)
        for name, value in changes.items():
            if name not in {"kind", "audience", "category", "position"}:
                raise TypeError(f"edit_article() got an unexpected field {name!r}")
            setattr(article, name, value)
        article.save()
        if services is not None:
            article.services.set(list(services))
        version = _new_version(article, actor=actor, texts=texts)
        record_activity(article, "article.edited", actor=actor, new=version.number)
        index_article(article)
    return article


def _new_version(article: Article, *, actor: Any, texts: dict[str, str]) -> ArticleVersion:
    number = (article.versions.order_by("-number").values_list("number", flat=True).first()) or 0
    editor = actor if getattr(actor, "is_authenticated", False) else None
    version = ArticleVersion.objects.create(
        article=article, number=number + 1, edited_by=editor, **texts
    )
    article.current_version = version
    article.updated_at = timezone.now()
    article.save(update_fields=["current_version", "updated_at"])
    return version


def change_article_status(article: Article, status: str, *, actor: Any) -> Article:
    """Publish or unpublish an article (the transition table in choices.py)."""
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        if article.status == status:
            return article
        if status not in TRANSITIONS.get(article.status, set()):
            raise IllegalStatusChangeError
        old = article.status
        article.status = status
        article.save(update_fields=["status"])
        record_activity(article, "article.status_changed", actor=actor, old=old, new=status)
        index_article(article)
    return article


def publish_article(article: Article, *, actor: Any) -> Article:
    """Make an article readable by its audience."""
    return change_article_status(article, ArticleStatus.PUBLISHED, actor=actor)


def index_article(article: Article) -> None:
    """Write the article's search entry: scope = its audience when published, else removed."""
    version = article.current_version
    if article.status != ArticleStatus.PUBLISHED or version is None:
        remove_document(ARTICLE_KIND, article.pk)
        return
    title = " / ".join(t for t in (version.title_fa, version.title_ar, version.title_en) if t)
    index_document(
        ARTICLE_KIND,
        article.pk,
        title=version.title_fa,
        texts=[title, version.body_fa, version.body_ar, version.body_en],
        scope=article.audience,
    )


def link_article_to_ticket(article: Article, ticket: Any, *, actor: Any) -> ArticleTicketLink:
    """Link an article to a request (once; a second call returns the existing link)."""
    with transaction.atomic():
        link, created = ArticleTicketLink.objects.get_or_create(
            article=article, ticket=ticket, defaults={"linked_by": actor}
        )
        if created:
            record_activity(ticket, "article.linked", actor=actor, data={"article": article.pk})
    return link


def rate_article(
    article: Article,
    *,
    helpful: bool,
    actor: Any = None,
    session_key: str = "",
    comment: str = "",
) -> ArticleFeedback:
    """Record whether the article helped: one answer per user, or per session for visitors."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    if user is None and not session_key:
        raise FeedbackAlreadyGivenError
    existing = ArticleFeedback.objects.filter(article=article)
    existing = existing.filter(user=user) if user else existing.filter(session_key=session_key)
    if existing.exists():
        raise FeedbackAlreadyGivenError
    try:
        with transaction.atomic():
            feedback = ArticleFeedback.objects.create(
                article=article,
                helpful=helpful,
                comment=comment.strip(),
                user=user,
                session_key="" if user else session_key,
            )
            record_activity(article, "article.rated", actor=user, new=helpful)
    except IntegrityError as error:
        raise FeedbackAlreadyGivenError from error
    return feedback
