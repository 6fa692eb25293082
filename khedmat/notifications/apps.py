from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "khedmat.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from django.core import checks

        from khedmat.core.verbs import register_verbs
        from khedmat.jobs.tick import register_tick
        from khedmat.notifications import services
        from khedmat.notifications.checks import check_message_settings, check_sms_providers
        from khedmat.notifications.choices import ACTIVITY_LABELS

        register_verbs(ACTIVITY_LABELS)
        checks.register(check_message_settings)
        checks.register(check_sms_providers)
        # Every minute: release held messages, re-dispatch lost ones, poll delivery statuses.
        register_tick(services.release_held_messages)
        register_tick(services.redispatch_stuck_messages)
        register_tick(services.request_status_polls)
        # ... and remove login codes and survey links from messages past the secret window.
        register_tick(services.purge_message_secrets)
