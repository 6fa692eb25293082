"""Working-time arithmetic: due dates per second on one core (DESIGN.md §7: >= 100,000/s).

Run: .venv/bin/python bench/bench_worktime.py [--calls N] [--repeat R]

The calendar is Iran's (Saturday–Wednesday 07:30–14:30, Thursday closed, Asia/Tehran) with the
official holidays of 1404 and 1405 from the seed migration, plus the 8:00–14:00 override of Dey
to Esfand 1404. Start instants are spread over the two years, at any time of day. "warm" reuses
one compiled calendar (the normal case: calendars are cached per revision); "cold" builds a
fresh calendar for every batch of 1,000 calls, so each day's intervals are computed again.
No database is needed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from khedmat.calendars.packs import get_pack
from khedmat.calendars.worktime import (
    LIMIT,
    Closure,
    HoursChange,
    WorkCalendar,
    add_working_days,
    add_working_hours,
    add_working_minutes,
    working_minutes_between,
)

TARGET = 100_000


def iran_calendar() -> WorkCalendar:
    seed = importlib.import_module("khedmat.calendars.migrations.0002_seed_iran")
    days = [dt.date.fromisoformat(row[1]) for row in seed.HOLIDAYS_1404 + seed.HOLIDAYS_1405]
    special = [
        Closure(dt.date.fromisoformat(first), dt.date.fromisoformat(last))
        for first, last, _kind, code, _names, _source in seed.SPECIAL_CLOSURES_1404
        if code == "IR"
    ]
    dey = HoursChange(
        dt.date(2025, 12, 22), dt.date(2026, 3, 20), LIMIT, opens=8 * 3600, closes=14 * 3600
    )
    return WorkCalendar(
        time_zone="Asia/Tehran",
        default_week=get_pack("IR").week("closed"),
        changes=[dey],
        closures=[Closure(day, day) for day in days] + special,
        key="bench:IR",
    )


def starts(count: int, rng: random.Random) -> list[dt.datetime]:
    first = dt.datetime(2025, 3, 21, tzinfo=dt.UTC).timestamp()
    span = 700 * 86_400
    return [dt.datetime.fromtimestamp(first + rng.random() * span, tz=dt.UTC) for _ in range(count)]


def measure(
    name: str,
    make_calendar: Callable[[], WorkCalendar],
    call: Callable[[WorkCalendar, dt.datetime, Any], object],
    inputs: list[tuple[dt.datetime, Any]],
    *,
    cold: bool,
    repeat: int,
) -> float:
    """Median calls per second over `repeat` runs; cold runs are informational (no target)."""
    rates = []
    for _ in range(repeat):
        calendar = make_calendar()
        call(calendar, *inputs[0])
        began = time.perf_counter()
        for index, (start, argument) in enumerate(inputs):
            if cold and index % 1000 == 0:
                calendar = make_calendar()
            call(calendar, start, argument)
        rates.append(len(inputs) / (time.perf_counter() - began))
    rate = statistics.median(rates)
    verdict = "informational" if cold else ("ok" if rate >= TARGET else "BELOW TARGET")
    print(f"{name:<44} {rate:>10,.0f} calls/s  (median of {repeat})  {verdict}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(1405)  # noqa: S311 - reproducible inputs, not secrets
    points = starts(args.calls, rng)
    calendar = iran_calendar()
    days = [(start, rng.randint(1, 10)) for start in points]
    hours = [(start, rng.randint(1, 40)) for start in points]
    minutes = [(start, rng.randint(1, 600)) for start in points]
    spans = [(start, add_working_days(calendar, start, 5)) for start in points]
    print(f"Python {sys.version.split()[0]}, {args.calls:,} calls per run, target {TARGET:,}/s")

    def warm() -> WorkCalendar:
        return calendar

    runs: list[tuple[str, Callable[[], WorkCalendar], Any, list[Any], bool]] = [
        ("add_working_days (1-10), warm", warm, add_working_days, days, False),
        ("add_working_hours (1-40), warm", warm, add_working_hours, hours, False),
        ("add_working_minutes (1-600), warm", warm, add_working_minutes, minutes, False),
        ("working_minutes_between (5 days), warm", warm, working_minutes_between, spans, False),
        ("add_working_days, new calendar every 1,000", iran_calendar, add_working_days, days, True),
        (
            "add_working_hours, new calendar every 1,000",
            iran_calendar,
            add_working_hours,
            hours,
            True,
        ),
    ]
    rates = [
        measure(name, make, call, inputs, cold=cold, repeat=args.repeat)
        for name, make, call, inputs, cold in runs
    ]
    due_dates = min(rates[:2])
    print(f"due dates per second (warm, slower of days and hours): {due_dates:,.0f}")
    sys.exit(0 if due_dates >= TARGET else 1)


if __name__ == "__main__":
    main()
