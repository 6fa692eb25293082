"""Helpers of the calendars tests: Tehran local times, the seed migration."""

from __future__ import annotations

import datetime as dt
import importlib
from types import ModuleType
from zoneinfo import ZoneInfo

TEHRAN = ZoneInfo("Asia/Tehran")


def tehran(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An aware Tehran wall-clock time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=TEHRAN)


def seed_module() -> ModuleType:
    """The seed migration, whose frozen tables are the reference rows of §7.3."""
    return importlib.import_module("khedmat.calendars.migrations.0002_seed_iran")
