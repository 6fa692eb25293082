"""Kinds, audiences and statuses of knowledge articles."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleKind(models.TextChoices):
    """An article or a frequently asked question."""

    ARTICLE = "article", _("Article")
    FAQ = "faq", _("Frequently asked question")


class Audience(models.TextChoices):
    """Who may read an article."""

    PUBLIC = "public", _("Everyone")
    STAFF = "staff", _("Staff only")


class ArticleStatus(models.TextChoices):
    """Draft articles are found by nobody; published ones by their audience."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


TRANSITIONS: dict[str, set[str]] = {
    ArticleStatus.DRAFT: {ArticleStatus.PUBLISHED},
    ArticleStatus.PUBLISHED: {ArticleStatus.DRAFT},
}
