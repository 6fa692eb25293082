from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "khedmat.complaints"
    label = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from khedmat.complaints.queries import ACTIVITY_LABELS
        from khedmat.core.verbs import register_verbs

        register_verbs(ACTIVITY_LABELS)
