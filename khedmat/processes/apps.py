from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcessesConfig(AppConfig):
    name = "khedmat.processes"
    label = "processes"
    verbose_name = _("Processes")

    def ready(self) -> None:
        """Fire due BPMN timers and follow request letters every minute; drive requests."""
        from khedmat.core.verbs import register_verbs
        from khedmat.jobs.tick import register_tick
        from khedmat.processes.choices import ACTIVITY_LABELS
        from khedmat.processes.inbox import TASK_SOURCE
        from khedmat.processes.inbox_sources import register_inbox_source
        from khedmat.processes.locks import active_instance_id
        from khedmat.processes.services import cancel_process, deliver_message, start_for_request
        from khedmat.tickets.workflow import Workflow, register_workflow

        register_verbs(ACTIVITY_LABELS)
        register_inbox_source(TASK_SOURCE)  # the inbox's first kind: other apps add theirs after
        register_tick(fire_due_timers)
        register_tick(poll_request_letters)
        # Requests reach their process through the tickets.workflow port (tickets never imports us).
        register_workflow(
            Workflow(
                start=start_for_request,
                deliver=deliver_message,
                cancel=cancel_process,
                running=lambda ticket: active_instance_id(ticket) is not None,
            )
        )


def fire_due_timers() -> None:
    """Tick handler: fire the BPMN timers whose time has come."""
    from khedmat.processes.services import fire_due_timers as fire

    fire()


def poll_request_letters() -> None:
    """Tick handler: queue polls of the request letters due for one."""
    from khedmat.processes.letters import poll_due_letters

    poll_due_letters()
