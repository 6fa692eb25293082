from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "khedmat.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from khedmat.accounts.otp import prune_login_codes
        from khedmat.jobs.tick import register_tick

        register_tick(prune_login_codes)  # codes older than a day have no use left
