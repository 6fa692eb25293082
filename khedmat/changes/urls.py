"""Change pages under /desk/changes/: lists, a change and its actions (views.desk), its edit page
(views.edit), the change calendar (views.calendar), the saved views of the list."""

from khedmat.changes.views import calendar, desk, edit
from khedmat.core.saved_view_urls import saved_view_urls

app_name = "changes"

# Saved views first: /desk/changes/views/ is not a change's tracking code.
urlpatterns = [
    *saved_view_urls("", "changes", name="change"),
    *calendar.urlpatterns,
    *desk.urlpatterns,
    *edit.urlpatterns,
]
