"""Change pages under /desk/changes/: lists, a change and its actions (views.desk), the change
calendar (views.calendar)."""

from khedmat.changes.views import calendar, desk

app_name = "changes"

urlpatterns = [*calendar.urlpatterns, *desk.urlpatterns]
