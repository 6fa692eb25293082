from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "khedmat.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        from khedmat.core import audit
        from khedmat.jobs import celery_backend, services
        from khedmat.jobs.tick import register_tick

        # Housekeeping every minute: requeue work of dead workers on any host, drop old rows;
        # with the broker backend, publish again the tasks whose message was lost.
        register_tick(services.recover_abandoned_tasks)
        register_tick(services.prune_finished_tasks)
        register_tick(services.prune_stale_heartbeats)
        register_tick(celery_backend.republish_overdue_tasks)
        # The kernel's audit trail (core is below jobs, so jobs registers it): seal new Activity
        # rows into the hash chain, anchor its head when due.
        register_tick(audit.seal_and_anchor)
