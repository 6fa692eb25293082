from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "khedmat.sla"
    label = "sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        """Sweep the clocks every minute; plan them again when a calendar changes; label the
        clocks' rows on their record's timeline."""
        from khedmat.calendars.listeners import on_calendar_change
        from khedmat.core.verbs import register_verbs
        from khedmat.jobs.tick import register_tick
        from khedmat.sla import services
        from khedmat.sla.queries import ACTIVITY_LABELS

        register_verbs(ACTIVITY_LABELS)
        register_tick(sweep_due_clocks)
        on_calendar_change(services.schedule_recomputation)


def sweep_due_clocks() -> None:
    """Tick handler: warn and breach the clocks whose time has come."""
    from khedmat.sla.services import sweep_clocks

    sweep_clocks()
