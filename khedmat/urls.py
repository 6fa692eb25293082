"""URL map: no language prefix (DESIGN.md §6)."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from khedmat import health
from khedmat.accounts import views as account_views
from khedmat.api import api
from khedmat.core import views as core_views

admin.site.site_header = _("Khedmat administration")
admin.site.site_title = _("Khedmat")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("language/", core_views.set_language, name="set_language"),
    path("accounts/", include("khedmat.accounts.urls")),
    path("desk/work/", include("khedmat.processes.urls")),
    path("", include("khedmat.knowledge.urls")),
    path("", include("khedmat.complaints.urls")),
    path("", include("khedmat.itsm.urls")),
    path("desk/cmdb/", include("khedmat.cmdb.urls")),
    path("desk/changes/", include("khedmat.changes.urls")),
    path("desk/retention/", include("khedmat.retention.urls")),
    path("desk/", include("khedmat.desk.urls")),
    path("", include("khedmat.notifications.urls")),
    path("", include("khedmat.sla.urls")),
    path("", include("khedmat.calendars.urls")),
    # Before the admin's own: its current-password check counts as a login failure (ASVS 2.2.1).
    path("admin/password_change/", account_views.admin_password_change),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("khedmat.surveys.urls")),
    path("", include("khedmat.tickets.urls")),
    path("services/", include("khedmat.catalog.urls")),
    path("performance/", include("khedmat.reports.urls")),
    path("", include("khedmat.portal.urls")),
]
