"""Housekeeping only: any write to a calendar row bumps the revision, so cached calendars expire.

Services bump explicitly too; this catches writes that bypass them (shell, fixtures, other apps'
tests), which would otherwise leave a process computing due dates from a stale compiled calendar.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from khedmat.calendars.models import (
    CalendarScope,
    Holiday,
    HoursOverride,
    UnitPlacement,
    WorkingHours,
    WorkWeek,
)

CALENDAR_MODELS = (CalendarScope, UnitPlacement, WorkWeek, WorkingHours, HoursOverride, Holiday)


def expire_compiled_calendars(sender: type, **kwargs: Any) -> None:
    """Bump the calendar revision (cache invalidation, not domain flow)."""
    from khedmat.calendars.services import bump_revision

    bump_revision()


def connect() -> None:
    """Connect the receivers (called once from the app config)."""
    for model in CALENDAR_MODELS:
        uid = f"calendars.expire.{model.__name__}"
        post_save.connect(expire_compiled_calendars, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(expire_compiled_calendars, sender=model, dispatch_uid=f"{uid}.delete")
