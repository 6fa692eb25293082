import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ItsmConfig(AppConfig):
    name = "khedmat.itsm"
    label = "itsm"
    verbose_name = _("IT service management")

    def ready(self) -> None:
        """Verbs, saved incident and problem lists, and search; SLA escalations of incidents; incidents in the staff inbox; close
        resolved incidents every minute."""
        from khedmat.core.saved_views import register_saved_list
        from khedmat.core.verbs import register_verbs
        from khedmat.itsm import cmdb_records
        from khedmat.itsm.escalations import (
            ESCALATION_LABELS,
            raise_incident_priority_from_sla,
            reassign_incident_from_sla,
        )
        from khedmat.itsm.inbox import INCIDENT_SOURCE
        from khedmat.itsm.indexing import register_reindexers
        from khedmat.itsm.models import Incident
        from khedmat.itsm.queries import ACTIVITY_LABELS
        from khedmat.jobs.tick import register_tick
        from khedmat.processes.inbox_sources import register_inbox_source
        from khedmat.sla.choices import EscalationAction
        from khedmat.sla.handlers import register_escalation_handler
        from khedmat.sla.queries import register_record_kind

        register_verbs(ACTIVITY_LABELS)
        register_saved_list(
            "incidents",
            params=("queue", "q", "status", "priority", "service", "category", "age"),
            permission="itsm.view_incident",
            page="itsm:desk_incident_list",
            noun="incident_view",
            labels=(
                ACTIVITY_LABELS["incident_view.saved"],
                ACTIVITY_LABELS["incident_view.deleted"],
            ),
        )
        register_saved_list(
            "problems",
            params=("queue", "q", "status", "priority", "service", "team"),
            permission="itsm.view_problem",
            page="itsm:desk_problem_list",
            noun="problem_view",
            labels=(ACTIVITY_LABELS["problem_view.saved"], ACTIVITY_LABELS["problem_view.deleted"]),
        )
        register_verbs(ESCALATION_LABELS)
        register_reindexers()
        register_escalation_handler(Incident, EscalationAction.REASSIGN, reassign_incident_from_sla)
        register_escalation_handler(
            Incident, EscalationAction.RAISE_PRIORITY, raise_incident_priority_from_sla
        )
        register_record_kind("incident", _("Incident"))
        register_inbox_source(INCIDENT_SOURCE)
        cmdb_records.register()
        register_tick(close_resolved_incidents_tick)


def close_resolved_incidents_tick(now: dt.datetime | None = None) -> int:
    """Tick handler: close the resolved incidents whose reopen window has passed.

    A cheap look first: a window is KHEDMAT_INCIDENT_CLOSE_DAYS working days counted from the day
    after resolving, so nothing resolved less than that many days minus one ago can be due (an
    hour more for a clock change); most minutes end there without reading a calendar.
    """
    from django.conf import settings
    from django.utils import timezone

    from khedmat.itsm import services
    from khedmat.itsm.choices import IncidentStatus
    from khedmat.itsm.models import Incident

    now = now or timezone.now()
    earliest = dt.timedelta(days=settings.KHEDMAT_INCIDENT_CLOSE_DAYS - 1) - dt.timedelta(hours=1)
    candidates = Incident.objects.filter(
        status=IncidentStatus.RESOLVED, resolved_at__lte=now - earliest
    )
    if not candidates.exists():
        return 0
    return services.close_resolved_incidents(now=now)
