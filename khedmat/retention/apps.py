from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "khedmat.retention"
    label = "retention"
    verbose_name = _("Retention and destruction")

    def ready(self) -> None:
        from khedmat.core.verbs import register_verbs
        from khedmat.jobs.tick import register_tick
        from khedmat.retention.services import start_scheduled_run

        register_verbs(
            {
                "retention_rule.created": _("Retention rule created"),
                "retention_rule.changed": _("Retention rule changed"),
                "retention_rule.applied": _("Retention rule applied by a destruction run"),
                "legal_hold.placed": _("Legal hold placed"),
                "legal_hold.released": _("Legal hold released"),
            }
        )
        register_tick(start_scheduled_run)  # queues the daily run once its hour has come
