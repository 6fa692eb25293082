from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "khedmat.catalog"
    label = "catalog"
    verbose_name = _("Service catalog")

    def ready(self) -> None:
        from khedmat.catalog.indexing import SERVICE_KIND, reindex_services
        from khedmat.search.services import register_reindexer

        register_reindexer(SERVICE_KIND, reindex_services)  # catalog indexes its own services
