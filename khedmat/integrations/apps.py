"""The integrations app: inquiries to other agencies and office-automation letters."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "khedmat.integrations"
    label = "integrations"
    verbose_name = _("Integrations")
