from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "khedmat.tickets"
    label = "tickets"
    verbose_name = _("Requests")

    def ready(self) -> None:
        from khedmat.core.verbs import register_verbs
        from khedmat.jobs.tick import register_tick
        from khedmat.search.services import register_reindexer
        from khedmat.sla.choices import EscalationAction
        from khedmat.sla.handlers import NOTIFY_APPLICANT, register_escalation_handler
        from khedmat.tickets.escalations import raise_priority_from_sla, reassign_from_sla
        from khedmat.tickets.indexing import REQUEST_KIND, reindex_requests
        from khedmat.tickets.models import Ticket
        from khedmat.tickets.queries import ACTIVITY_LABELS
        from khedmat.tickets.services import prune_staged_uploads, tell_applicant_new_due_date

        register_escalation_handler(Ticket, NOTIFY_APPLICANT, tell_applicant_new_due_date)
        register_escalation_handler(Ticket, EscalationAction.REASSIGN, reassign_from_sla)
        register_escalation_handler(
            Ticket, EscalationAction.RAISE_PRIORITY, raise_priority_from_sla
        )
        register_verbs(ACTIVITY_LABELS)
        register_tick(prune_staged_uploads)
        register_reindexer(
            REQUEST_KIND, reindex_requests
        )  # tickets indexes its own requests  # files kept for a retry nobody came back for
