"""The search index: one normalised row per searchable document (R-35)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchEntry(models.Model):
    """The normalised search keys of one document of one kind (an article, a request…)."""

    kind = models.CharField(_("kind"), max_length=32)
    object_id = models.BigIntegerField(_("object id"))
    scope = models.CharField(_("scope"), max_length=16, blank=True)
    title = models.TextField(_("title"), blank=True)
    title_key = models.TextField(_("title search key"), blank=True)
    key = models.TextField(_("search key"), blank=True)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id"],
                name="search_entry_kind_object_unique",
                violation_error_message=_("This document is already indexed."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"
