"""ITSM pages: /desk/incidents/, /desk/problems/, /desk/known-errors/ for staff (views.desk) and
/incidents/ on the portal (views.portal). Each views module lists its own routes."""

from khedmat.core.saved_view_urls import saved_view_urls
from khedmat.itsm.views import desk, desk_problems, portal

app_name = "itsm"

# saved views first: /desk/problems/views/ is not a problem's code
urlpatterns = [
    *saved_view_urls("desk/incidents/", "incidents", name="desk_incident"),
    *saved_view_urls("desk/problems/", "problems", name="desk_problem"),
    *desk.urlpatterns,
    *desk_problems.urlpatterns,
    *portal.urlpatterns,
]
