from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChangesConfig(AppConfig):
    name = "khedmat.changes"
    label = "changes"
    verbose_name = _("Change enablement")

    def ready(self) -> None:
        """The labels of the verbs change enablement writes."""
        from khedmat.changes.queries import ACTIVITY_LABELS
        from khedmat.core.verbs import register_verbs

        register_verbs(ACTIVITY_LABELS)
