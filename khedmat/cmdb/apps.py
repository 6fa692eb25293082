from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmdbConfig(AppConfig):
    name = "khedmat.cmdb"
    label = "cmdb"
    verbose_name = _("Configuration management")

    def ready(self) -> None:
        """The Activity verbs of CIs, assets, licences, contracts and suppliers; the lists whose views staff save; the alerts of
        licences and contracts about to end (looked at once an hour)."""
        from khedmat.cmdb import asset_verbs, queries, referrals
        from khedmat.cmdb.alerts import expiry_alerts_tick
        from khedmat.cmdb.saved_lists import register_saved_lists
        from khedmat.core.verbs import register_verbs
        from khedmat.jobs.tick import register_tick
        from khedmat.sla.queries import register_record_kind

        register_verbs(queries.ACTIVITY_LABELS)
        register_verbs(asset_verbs.ACTIVITY_LABELS)
        register_verbs(referrals.ACTIVITY_LABELS)
        register_record_kind(referrals.RECORD_KIND, _("Supplier referral"))
        register_tick(expiry_alerts_tick)
        register_saved_lists()
