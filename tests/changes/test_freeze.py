"""Freeze windows: derived from the seeded national calendar (1404 and 1405), idempotent, and
enforced at submit and at schedule for every change but an emergency."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client
from persiantools.jdatetime import JalaliDate

from khedmat.accounts.models import User
from khedmat.calendars.models import Holiday
from khedmat.changes import errors, services
from khedmat.changes.choices import ChangeKind, ChangeStatus, FreezeOrigin
from khedmat.changes.freeze import derive_freeze_windows, derive_year, freezes_for
from khedmat.changes.models import FreezeWindow
from khedmat.cmdb.models import ConfigurationItem
from khedmat.core.models import Activity
from tests.changes.conftest import HIGH_RISK, NOW, START, MakeChange

TEHRAN = ZoneInfo("Asia/Tehran")


def tehran(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, tzinfo=TEHRAN)


def jalali(year: int, month: int, day: int) -> dt.datetime:
    gregorian = JalaliDate(year, month, day).to_gregorian()
    return dt.datetime.combine(gregorian, dt.time(0, 0), tzinfo=TEHRAN)


#: (origin, first moment, end) per year, from the seed rows of calendars 0002 (checked there):
#: 1404: Nowruz rows from 1404/01/01 = 2025-03-21, Nature Day 1404/01/13 = 2025-04-02;
#:       Esfand 1404 has 29 days (1405/01/01 = 2026-03-21); Tasua 2025-07-05, Ashura 2025-07-06.
#: 1405: Nowruz rows from 1405/01/01 = 2026-03-21, Nature Day 1405/01/13 = 2026-04-02;
#:       Esfand 1405 has 29 days (1406/01/01 = 2027-03-21); Tasua 2026-06-24, Ashura 2026-06-25.
EXPECTED = {
    1404: [
        (FreezeOrigin.NOWRUZ, tehran(2025, 3, 21), tehran(2025, 4, 3)),
        (FreezeOrigin.ESFAND, tehran(2026, 3, 11), tehran(2026, 3, 21)),
        (FreezeOrigin.MUHARRAM, tehran(2025, 7, 5), tehran(2025, 7, 7)),
    ],
    1405: [
        (FreezeOrigin.NOWRUZ, tehran(2026, 3, 21), tehran(2026, 4, 3)),
        (FreezeOrigin.ESFAND, tehran(2027, 3, 11), tehran(2027, 3, 21)),
        (FreezeOrigin.MUHARRAM, tehran(2026, 6, 24), tehran(2026, 6, 26)),
    ],
}


@pytest.mark.parametrize("year", [1404, 1405])
def test_derived_windows_have_exact_boundaries(db: None, year: int) -> None:
    windows = derive_freeze_windows(year)
    got = [(w.origin, w.starts_at, w.ends_at) for w in windows]
    assert got == EXPECTED[year]
    assert all(w.jalali_year == year and w.is_active and not w.items.exists() for w in windows)


@pytest.mark.parametrize("year", [1404, 1405])
def test_derived_windows_in_jalali_terms(db: None, year: int) -> None:
    nowruz, esfand, muharram = derive_freeze_windows(year)
    assert (nowruz.starts_at, nowruz.ends_at) == (jalali(year, 1, 1), jalali(year, 1, 14))
    assert (esfand.starts_at, esfand.ends_at) == (jalali(year, 12, 20), jalali(year + 1, 1, 1))
    assert esfand.ends_at - esfand.starts_at == dt.timedelta(days=10)
    assert muharram.ends_at - muharram.starts_at == dt.timedelta(days=2)


def test_derived_windows_are_named_in_three_languages(db: None) -> None:
    nowruz, esfand, muharram = derive_freeze_windows(1405)
    assert (nowruz.name_fa, nowruz.name_ar, nowruz.name_en) == (
        "تعطیلات نوروز ۱۴۰۵",
        "عطلة النوروز ١٤٠٥",
        "Nowruz holidays 1405",
    )
    assert esfand.name_en == "Last ten days of Esfand 1405"
    assert muharram.name_en == "Tasua and Ashura 1405"


def test_derivation_is_idempotent_and_keeps_manual_settings(db: None) -> None:
    first = derive_freeze_windows(1405)
    nowruz = first[0]
    nowruz.is_active = False
    nowruz.note = "Lifted this year."
    nowruz.starts_at = tehran(2026, 3, 22)
    nowruz.save()
    again = derive_freeze_windows(1405)
    assert [w.pk for w in again] == [w.pk for w in first]
    assert FreezeWindow.objects.filter(jalali_year=1405).count() == 3
    nowruz.refresh_from_db()
    assert (nowruz.starts_at, nowruz.is_active, nowruz.note) == (
        tehran(2026, 3, 21),
        False,
        "Lifted this year.",
    )
    derive_freeze_windows(1405)
    verbs = list(Activity.objects.for_target(nowruz).values_list("verb", flat=True))
    assert sorted(verbs) == ["freeze_window.derived", "freeze_window.rederived"]


def test_missing_muharram_rows_are_reported(db: None) -> None:
    Holiday.objects.filter(date__in=[dt.date(2026, 6, 24), dt.date(2026, 6, 25)]).delete()
    result = derive_year(1405)
    assert [w.origin for w in result.windows] == [FreezeOrigin.NOWRUZ, FreezeOrigin.ESFAND]
    assert result.missing == ["No Tasua and Ashura in 1405: the Muharram freeze was not derived."]


def test_year_without_holiday_rows_derives_only_esfand(db: None) -> None:
    result = derive_year(1406)
    assert [(w.origin, w.starts_at, w.ends_at) for w in result.windows] == [
        (FreezeOrigin.ESFAND, tehran(2028, 3, 10), tehran(2028, 3, 20))
    ]
    assert len(result.missing) == 2


def test_leap_year_esfand_has_thirty_days(db: None) -> None:
    # 1403 is a leap year: 30 Esfand 1403 = 2025-03-20; the window is 21–30 Esfand.
    esfand = next(w for w in derive_freeze_windows(1403) if w.origin == FreezeOrigin.ESFAND)
    assert (esfand.starts_at, esfand.ends_at) == (tehran(2025, 3, 11), tehran(2025, 3, 21))


def test_command_derives_and_prints(db: None) -> None:
    out = StringIO()
    call_command("derive_freeze_windows", "1404", "1405", "1406", stdout=out)
    text = out.getvalue()
    assert "1405 nowruz: 2026-03-21T00:00:00+03:30" in text
    assert "1406 missing: No Nowruz holiday in 1406" in text
    assert FreezeWindow.objects.count() == 7


# --- enforcement ------------------------------------------------------------------------------

IN_NOWRUZ_1405 = (
    dt.datetime(2026, 3, 25, 6, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 25, 8, 0, tzinfo=dt.UTC),
)


@pytest.fixture
def frozen_1405(db: None) -> list[FreezeWindow]:
    return derive_freeze_windows(1405)


def test_normal_change_in_nowruz_is_refused_at_submit(
    frozen_1405: list[FreezeWindow], make_change: MakeChange, requester: User
) -> None:
    start, end = IN_NOWRUZ_1405
    change = make_change(start=start, end=end)
    services.assess_risk(change, HIGH_RISK, actor=requester)
    with pytest.raises(errors.FreezeError) as refused:
        services.submit_change(change, actor=requester, now=NOW)
    message = str(refused.value.message)
    assert "Nowruz holidays 1405" in message and "emergency" in message
    change.refresh_from_db()
    assert change.status == ChangeStatus.DRAFT


def test_standard_change_in_nowruz_is_refused_at_submit(
    frozen_1405: list[FreezeWindow], make_change: MakeChange, requester: User
) -> None:
    start, end = IN_NOWRUZ_1405
    change = make_change(kind=ChangeKind.STANDARD, start=start, end=end)
    with pytest.raises(errors.FreezeError):
        services.submit_change(change, actor=requester, now=NOW)


def test_emergency_change_in_nowruz_passes_submit_and_schedule(
    frozen_1405: list[FreezeWindow], make_change: MakeChange
) -> None:
    start, end = IN_NOWRUZ_1405
    change = make_change(ChangeStatus.SCHEDULED, kind=ChangeKind.EMERGENCY, start=start, end=end)
    assert (change.status, change.planned_start) == (ChangeStatus.SCHEDULED, start)


def test_normal_change_moved_into_nowruz_is_refused_at_schedule(
    frozen_1405: list[FreezeWindow], make_change: MakeChange, requester: User
) -> None:
    change = make_change(ChangeStatus.AUTHORISED)
    start, end = IN_NOWRUZ_1405
    with pytest.raises(errors.FreezeError):
        services.schedule_change(
            change, actor=requester, planned_start=start, planned_end=end, now=NOW
        )
    change.refresh_from_db()
    assert (change.status, change.planned_start) == (ChangeStatus.AUTHORISED, START)


def test_window_touching_a_freeze_end_to_start_is_not_frozen(
    frozen_1405: list[FreezeWindow],
) -> None:
    nowruz = frozen_1405[0]
    before = nowruz.starts_at - dt.timedelta(hours=2)
    assert freezes_for([], before, nowruz.starts_at) == []
    assert freezes_for([], nowruz.ends_at, nowruz.ends_at + dt.timedelta(hours=1)) == []
    assert freezes_for([], before, nowruz.starts_at + dt.timedelta(seconds=1)) == [nowruz]


def test_inactive_freeze_does_not_apply(frozen_1405: list[FreezeWindow]) -> None:
    FreezeWindow.objects.update(is_active=False)
    assert freezes_for([], *IN_NOWRUZ_1405) == []


@pytest.fixture
def db_freeze(cmdb: dict[str, ConfigurationItem]) -> FreezeWindow:
    """A freeze of db-01 only, over the test window."""
    window = FreezeWindow.objects.create(
        name_fa="انجماد پایگاه داده",
        name_en="Database freeze",
        starts_at=START - dt.timedelta(days=1),
        ends_at=START + dt.timedelta(days=1),
    )
    window.items.set([cmdb["db"]])
    return window


def test_scoped_freeze_blocks_the_ci_and_what_runs_on_it(
    db_freeze: FreezeWindow,
    cmdb: dict[str, ConfigurationItem],
    make_change: MakeChange,
    requester: User,
) -> None:
    for key in ("db", "app", "report"):
        change = make_change(items=[cmdb[key]])
        services.assess_risk(change, HIGH_RISK, actor=requester)
        with pytest.raises(errors.FreezeError):
            services.submit_change(change, actor=requester, now=NOW)


def test_scoped_freeze_lets_an_unrelated_ci_through(
    db_freeze: FreezeWindow, cmdb: dict[str, ConfigurationItem], make_change: MakeChange
) -> None:
    change = make_change(ChangeStatus.SCHEDULED, items=[cmdb["link"]])
    assert change.status == ChangeStatus.SCHEDULED
    assert freezes_for([cmdb["link"].pk], START, START + dt.timedelta(hours=1)) == []
    assert freezes_for([cmdb["app"]], START, START + dt.timedelta(hours=1)) == [db_freeze]


def test_admin_action_derives_1404_and_1405_on_an_empty_list(
    client: Client, administrator: User, verified_login: Any
) -> None:
    staff = verified_login(client, administrator)
    page = staff.get("/admin/changes/freezewindow/")
    assert b"derive_from_national_calendar" in page.content
    response = staff.post(
        "/admin/changes/freezewindow/",
        {"action": "derive_from_national_calendar", "index": "0"},
        follow=True,
    )
    assert response.status_code == 200
    assert sorted(FreezeWindow.objects.values_list("jalali_year", "origin")) == [
        (1404, "esfand"),
        (1404, "muharram"),
        (1404, "nowruz"),
        (1405, "esfand"),
        (1405, "muharram"),
        (1405, "nowruz"),
    ]
    assert b"6 freeze windows derived" in response.content


def test_agent_cannot_run_the_admin_action(client: Client, requester: User) -> None:
    client.force_login(requester)
    client.post(
        "/admin/changes/freezewindow/", {"action": "derive_from_national_calendar", "index": "0"}
    )
    assert not FreezeWindow.objects.exists()


def test_moving_a_change_under_assessment_into_a_freeze_is_refused(
    frozen_1405: list[FreezeWindow], make_change: MakeChange, requester: User
) -> None:
    change = make_change(ChangeStatus.ASSESSMENT)
    start, end = IN_NOWRUZ_1405
    with pytest.raises(errors.FreezeError):
        services.update_change(change, actor=requester, planned_start=start, planned_end=end)
    change.refresh_from_db()
    assert change.planned_start == START
