"""ITSM pages: /desk/incidents/, /desk/problems/, /desk/known-errors/ for staff (views.desk) and
/incidents/ on the portal (views.portal). Each views module lists its own routes."""

from khedmat.itsm.views import desk, desk_problems, portal, saved_views

app_name = "itsm"

# saved views first: /desk/problems/views/ is not a problem's code
urlpatterns = [
    *saved_views.urlpatterns,
    *desk.urlpatterns,
    *desk_problems.urlpatterns,
    *portal.urlpatterns,
]
