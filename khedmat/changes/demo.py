"""Demo change enablement (idempotent): freeze windows derived for 1404 and 1405, an advisory
board (majority) and an emergency board (any), a standard-change template, and a month of
changes in every state — among them two that conflict on the storage and one emergency change
inside the Nowruz 1405 freeze.

Needs the CMDB demo (the CIs) and the IT staff of the ITSM demo. Everything goes through the use
cases, back-dated with their `now=`, so each change has its Activity rows. A change whose title
exists is left alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from khedmat.accounts.models import Team, User
from khedmat.changes import services
from khedmat.changes.freeze import derive_freeze_windows
from khedmat.changes.models import Change, ChangeBoard, ChangeTemplate, RiskQuestion
from khedmat.cmdb.models import ConfigurationItem

TEHRAN = ZoneInfo("Asia/Tehran")
PLANS = {
    "implementation_plan": "۱. اعلام به ذی‌نفعان\n۲. پشتیبان‌گیری کامل\n۳. اجرای تغییر\n۴. آزمون",
    "backout_plan": "بازگرداندن از پشتیبان و راه‌اندازی دوباره خدمت؛ حداکثر ۴۵ دقیقه.",
    "test_plan": "ورود آزمایشی به درگاه، ثبت یک درخواست نمونه، بررسی گزارش خطا.",
}
LOW_RISK = {
    "downtime": "no",
    "tested": "yes",
    "backout": "yes",
    "users": "few",
    "done_before": "yes",
}
HIGH_RISK = {
    "downtime": "yes",
    "tested": "no",
    "backout": "no",
    "users": "all",
    "done_before": "no",
}


@dataclass(frozen=True)
class DemoChange:
    title: str
    kind: str
    items: tuple[str, ...]
    start: Callable[[dt.datetime], dt.datetime]
    hours: int
    story: str  # how far it goes: draft, assessment, authorised, scheduled, closed, …
    risk: dict[str, str] = field(default_factory=lambda: dict(LOW_RISK))
    reason: str = ""


def _night(days: int, hour: int = 22) -> Callable[[dt.datetime], dt.datetime]:
    def at(now: dt.datetime) -> dt.datetime:
        day = now.astimezone(TEHRAN).date() + dt.timedelta(days=days)
        return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=TEHRAN)

    return at


def _fixed(moment: dt.datetime) -> Callable[[dt.datetime], dt.datetime]:
    return lambda now: moment


CHANGES = (
    DemoChange(
        "وصله ماهانه سیستم‌عامل سرور وب ۱", "standard", ("web-01",), _night(3), 1, "scheduled"
    ),
    DemoChange(
        "ارتقای PostgreSQL پایگاه داده درگاه به نسخه ۱۶٫۴",
        "normal",
        ("db-portal",),
        _night(9),
        3,
        "assessment",
        reason="رفع آسیب‌پذیری و بهبود کارایی",
    ),
    DemoChange(
        "به‌روزرسانی میان‌افزار کنترلر ذخیره‌ساز SAN-01",
        "normal",
        ("san-01",),
        _night(6),
        4,
        "scheduled",
        dict(HIGH_RISK),
        "توصیه سازنده برای رفع خطای کنترلر",
    ),
    DemoChange(
        "افزودن حافظه به سرور پایگاه داده ۱",
        "normal",
        ("db-srv-01",),
        _night(6, 23),
        2,
        "scheduled",
        reason="کمبود حافظه در ساعات اوج",
    ),
    DemoChange(
        "تمدید گواهی TLS درگاه خدمات",
        "normal",
        ("portal-app",),
        _night(-8),
        1,
        "closed",
        reason="پایان اعتبار گواهی",
    ),
    DemoChange(
        "به‌روزرسانی CU14 پست الکترونیک",
        "normal",
        ("mail-01",),
        _night(-5),
        3,
        "backed_out",
        reason="رفع اشکال امنیتی Exchange",
    ),
    DemoChange(
        "وصله اضطراری نقص احراز هویت درگاه",
        "emergency",
        ("auth-app",),
        _fixed(dt.datetime(2026, 3, 23, 10, 0, tzinfo=TEHRAN)),
        2,
        "closed",
        dict(HIGH_RISK),
        "نقص امنیتی فعال؛ در تعطیلات نوروز ۱۴۰۵",
    ),
    DemoChange(
        "انتقال بایگانی اسناد به ذخیره‌ساز جدید",
        "normal",
        ("archive-app", "db-arch"),
        _night(20),
        6,
        "draft",
    ),
    DemoChange(
        "باز کردن RDP سرور مالی از اینترنت",
        "normal",
        ("db-srv-02",),
        _night(12),
        1,
        "rejected",
        dict(HIGH_RISK),
        "درخواست پیمانکار برای پشتیبانی از راه دور",
    ),
)


@transaction.atomic
def load_demo_changes(*, now: dt.datetime | None = None) -> list[Change]:
    """Create the change demo unless it is there; returns the changes created."""
    now = now or timezone.now()
    people = {
        u.username: u for u in User.objects.filter(username__in=["supervisor", "itinfra", "itdesk"])
    }
    if len(people) < 3 or not ConfigurationItem.objects.filter(code="san-01").exists():
        return []
    for year in (1404, 1405):
        derive_freeze_windows(year)
    cab, _ = ChangeBoard.objects.get_or_create(
        code="cab",
        defaults={"name": "هیئت مشورتی تغییر (CAB)", "change_kind": "normal", "rule": "majority"},
    )
    cab.members.add(people["supervisor"], people["itinfra"], people["itdesk"])
    ecab, _ = ChangeBoard.objects.get_or_create(
        code="ecab",
        defaults={"name": "هیئت تغییرات اضطراری (ECAB)", "change_kind": "emergency", "rule": "any"},
    )
    ecab.members.add(people["supervisor"], people["itinfra"])
    template, _ = ChangeTemplate.objects.get_or_create(
        code="os-patch",
        defaults={"title": "وصله ماهانه سیستم‌عامل سرور", **PLANS},
    )
    if not RiskQuestion.objects.filter(is_active=True).exists():
        return []
    team = Team.objects.filter(code="infrastructure").first()
    existing = set(Change.objects.values_list("title", flat=True))
    created = []
    for spec in CHANGES:
        if spec.title not in existing:
            created.append(_play(spec, people, template, team, now))
    return created


def _play(
    spec: DemoChange,
    people: dict[str, User],
    template: ChangeTemplate,
    team: Team | None,
    now: dt.datetime,
) -> Change:
    """Request the change a week before its window (or now) and move it as far as its story."""
    start = spec.start(now)
    end = start + dt.timedelta(hours=spec.hours)
    asked = min(now, start - dt.timedelta(days=7)) if spec.story != "draft" else now
    requester, manager = people["itinfra"], people["supervisor"]
    change = services.request_change(
        title=spec.title,
        kind=spec.kind,
        actor=requester,
        reason=spec.reason,
        description=spec.reason,
        items=list(ConfigurationItem.objects.filter(code__in=spec.items)),
        template=template if spec.kind == "standard" else None,
        team=team,
        planned_start=start,
        planned_end=end,
        **({} if spec.kind == "standard" else PLANS),
    )
    Change.objects.filter(pk=change.pk).update(created_at=asked)
    if spec.kind != "standard":
        change = services.assess_risk(change, spec.risk, actor=requester)
    if spec.story == "draft":
        return change
    change = services.submit_change(change, actor=requester, now=asked)
    if spec.story == "assessment":
        return services.vote_on_change(
            change, voter=people["itdesk"], vote="approve", note="پشتیبان‌گیری تأیید شد.", now=asked
        )
    if spec.story == "rejected":
        services.vote_on_change(
            change, voter=people["itdesk"], vote="reject", note="خطر امنیتی بالا.", now=asked
        )
        return services.vote_on_change(
            change, voter=manager, vote="reject", note="از VPN استفاده شود.", now=asked
        )
    if spec.kind == "emergency":
        change = services.vote_on_change(
            change, voter=manager, vote="approve", note="اضطراری تأیید شد.", now=asked
        )
    elif spec.kind == "normal":
        services.vote_on_change(change, voter=people["itdesk"], vote="approve", note="", now=asked)
        change = services.vote_on_change(change, voter=manager, vote="approve", note="", now=asked)
    change = services.schedule_change(change, actor=requester, now=asked)
    if spec.story == "scheduled":
        return change
    change = services.start_change(change, actor=requester, now=start)
    if spec.story == "backed_out":
        change = services.back_out_change(
            change,
            actor=requester,
            note="خطای همگام‌سازی صندوق‌ها؛ بازگردانده شد.",
            now=start + dt.timedelta(hours=2),
        )
        return services.review_change(
            change,
            actor=manager,
            outcome="failed",
            note="پیش‌نیاز نسخه .NET بررسی نشده بود.",
            now=end,
        )
    change = services.complete_change(change, actor=requester, now=end)
    return services.review_change(
        change,
        actor=manager,
        outcome="successful",
        note="بدون قطعی انجام شد.",
        now=end + dt.timedelta(hours=1),
    )
