from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmdbConfig(AppConfig):
    name = "khedmat.cmdb"
    label = "cmdb"
    verbose_name = _("Configuration management")

    def ready(self) -> None:
        """The Activity verbs of CIs, assets, licences, contracts and suppliers."""
        from khedmat.cmdb import asset_verbs, queries
        from khedmat.core.verbs import register_verbs

        register_verbs(queries.ACTIVITY_LABELS)
        register_verbs(asset_verbs.ACTIVITY_LABELS)
