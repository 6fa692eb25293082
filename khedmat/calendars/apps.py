from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    name = "khedmat.calendars"
    label = "calendars"
    verbose_name = _("Calendars and working time")

    def ready(self) -> None:
        from khedmat.calendars import signals

        signals.connect()
