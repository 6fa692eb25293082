from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    name = "khedmat.site"
    label = "khedmat_site"
    verbose_name = _("Site operations")
