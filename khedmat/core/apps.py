from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "khedmat.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.core import checks

        from khedmat.core.checks import check_data_keys
        from khedmat.core.middleware import start_idle_clock

        # Housekeeping: a staff session's idle clock starts at login, not with a session write
        # on the first page after it.
        checks.register(check_data_keys)
        user_logged_in.connect(start_idle_clock, dispatch_uid="khedmat.core.start_idle_clock")
