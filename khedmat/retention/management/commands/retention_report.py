"""`khedmat retention_report`: per active rule, the records due now and within 30 and 90 days and
the next date (the desk's retention page, as text)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from khedmat.retention.queries import HORIZONS, upcoming_destructions


class Command(BaseCommand):
    help = "Print the upcoming destructions of every active retention rule."

    def handle(self, *args: Any, **options: Any) -> None:
        columns = [_("due now"), *[_("%(days)d days") % {"days": days} for days in HORIZONS]]
        next_date = _("next date")
        self.stdout.write("  ".join(f"{name:>10}" for name in columns) + f"  {next_date:<10}")
        for line in upcoming_destructions():
            counts = [line.due_now, *[line.within[days] for days in HORIZONS]]
            next_at = timezone.localdate(line.next_at).isoformat() if line.next_at else "-"
            figures = "  ".join(f"{count:>10}" for count in counts)
            self.stdout.write(f"{figures}  {next_at:<10}  {line.rule.describe()}")
