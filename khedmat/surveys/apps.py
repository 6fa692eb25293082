from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "khedmat.surveys"
    label = "surveys"
    verbose_name = _("Satisfaction surveys")

    def ready(self) -> None:
        """Invite, remind and expire survey invitations every minute."""
        from khedmat.jobs.tick import register_tick

        register_tick(run_survey_tick)


def run_survey_tick() -> None:
    """Tick handler: invitations for newly completed requests, then reminders, then expiry."""
    from khedmat.surveys import services

    services.send_due_invitations()
    services.send_due_reminders()
    services.expire_due_invitations()
