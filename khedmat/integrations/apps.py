"""The integrations app: inquiries to other agencies and office-automation letters."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "khedmat.integrations"
    label = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        from khedmat.core.verbs import register_verbs
        from khedmat.integrations.choices import ACTIVITY_LABELS

        register_verbs(ACTIVITY_LABELS)
