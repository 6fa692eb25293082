from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChangesConfig(AppConfig):
    name = "khedmat.changes"
    label = "changes"
    verbose_name = _("Change enablement")

    def ready(self) -> None:
        """The labels of the verbs change enablement writes; the change list's saved views."""
        from khedmat.changes.queries import ACTIVITY_LABELS
        from khedmat.core.saved_views import register_saved_list
        from khedmat.core.verbs import register_verbs

        register_verbs(ACTIVITY_LABELS)
        register_saved_list(
            "changes",
            params=("tab", "q", "status", "kind", "risk"),
            permission="changes.view_change",
            page="changes:change_list",
            noun="change_view",
            labels=(_("Change view saved"), _("Change view deleted")),
        )
