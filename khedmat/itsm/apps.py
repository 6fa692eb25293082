from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ItsmConfig(AppConfig):
    name = "khedmat.itsm"
    label = "itsm"
    verbose_name = _("IT service management")

    def ready(self) -> None:
        from khedmat.core.verbs import register_verbs
        from khedmat.itsm.indexing import register_reindexers
        from khedmat.itsm.queries import ACTIVITY_LABELS

        register_verbs(ACTIVITY_LABELS)
        register_reindexers()
