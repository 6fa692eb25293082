from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "khedmat.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        from khedmat.jobs import celery_backend, services
        from khedmat.jobs.tick import register_tick

        # Housekeeping every minute: requeue work of dead workers on any host, drop old rows;
        # with the broker backend, publish again the tasks whose message was lost.
        register_tick(services.recover_abandoned_tasks)
        register_tick(services.prune_finished_tasks)
        register_tick(services.prune_stale_heartbeats)
        register_tick(celery_backend.republish_overdue_tasks)
