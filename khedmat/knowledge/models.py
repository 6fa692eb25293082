"""Knowledge base: categories, articles and FAQ with versions, links and feedback."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khedmat.core.translated import translated_text
from khedmat.knowledge.choices import ArticleKind, ArticleStatus, Audience


def _localized(obj: object, field: str) -> str:
    return translated_text(obj, field)


class Category(models.Model):
    """A group of articles in the knowledge base."""

    name_fa = models.CharField(_("name (Persian)"), max_length=200)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("knowledge category")
        verbose_name_plural = _("knowledge categories")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localized(self, "name")


class ArticleQuerySet(models.QuerySet["Article"]):
    def published(self) -> ArticleQuerySet:
        return self.filter(status=ArticleStatus.PUBLISHED, current_version__isnull=False)

    def visible_to(self, user: object) -> ArticleQuerySet:
        """Published articles the visitor may read: staff see staff-only articles too."""
        articles = self.published()
        if getattr(user, "is_staff", False):
            return articles
        return articles.filter(audience=Audience.PUBLIC)


class Article(models.Model):
    """An article or FAQ; its text lives in versions, the article points at the current one."""

    kind = models.CharField(
        _("kind"), max_length=16, choices=ArticleKind.choices, default=ArticleKind.ARTICLE
    )
    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience.choices, default=Audience.PUBLIC
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("category"),
    )
    current_version = models.ForeignKey(
        "ArticleVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current version"),
    )
    services = models.ManyToManyField(
        "catalog.Service", blank=True, related_name="articles", verbose_name=_("services")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            models.Index(
                fields=["status", "audience", "kind"], name="knowledge_article_status_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"#{self.pk}"

    @property
    def title(self) -> str:
        return _localized(self.current_version, "title") if self.current_version else ""

    @property
    def body(self) -> str:
        return _localized(self.current_version, "body") if self.current_version else ""

    @property
    def is_public(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED and self.audience == Audience.PUBLIC


class ArticleVersion(models.Model):
    """The text of an article as one edit left it; never changed afterwards."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="versions", verbose_name=_("article")
    )
    number = models.PositiveIntegerField(_("number"))
    title_fa = models.CharField(_("title (Persian)"), max_length=300)
    title_ar = models.CharField(_("title (Arabic)"), max_length=300, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    body_fa = models.TextField(_("text (Persian)"), blank=True)
    body_ar = models.TextField(_("text (Arabic)"), blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("edited by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "number"],
                name="knowledge_version_number_unique",
                violation_error_message=_("This version number is already used."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.title_fa} (v{self.number})"


class ArticleTicketLink(models.Model):
    """An article a staff member linked to a request."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="ticket_links", verbose_name=_("article")
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        related_name="article_links",
        verbose_name=_("request"),
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("linked by"),
    )
    linked_at = models.DateTimeField(_("linked at"), default=timezone.now)

    class Meta:
        verbose_name = _("article link")
        verbose_name_plural = _("article links")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "ticket"],
                name="knowledge_link_unique",
                violation_error_message=_("This article is already linked to the request."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.article_id} → {self.ticket_id}"


class ArticleFeedback(models.Model):
    """Was the article helpful? One answer per user, or per session for visitors."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("article")
    )
    helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    session_key = models.CharField(_("session"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"],
                condition=Q(user__isnull=False),
                name="knowledge_feedback_user_unique",
                violation_error_message=_("You have already rated this article."),
            ),
            models.UniqueConstraint(
                fields=["article", "session_key"],
                condition=Q(user__isnull=True) & ~Q(session_key=""),
                name="knowledge_feedback_session_unique",
                violation_error_message=_("You have already rated this article."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {'+' if self.helpful else '-'}"
