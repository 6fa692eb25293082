from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.apps import DefaultConfig as TotpConfig
from django_tasks_db.apps import TasksAppConfig


class SiteConfig(AppConfig):
    name = "khedmat.site"
    label = "khedmat_site"
    verbose_name = _("Site operations")


class TasksDatabaseConfig(TasksAppConfig):
    """django-tasks-db with a translated name in the admin."""

    verbose_name = _("Background task results")  # type: ignore[assignment]


class AuthenticatorDevicesConfig(TotpConfig):
    """django-otp's TOTP devices with a translated name in the admin."""

    verbose_name = _("Authenticator apps")
