"""`khedmat destroy_expired [--dry-run]`: apply the retention rules now, as the daily job does.

With --dry-run nothing is written: each active rule's count of records due is printed. Without
it, a run (started by the command) erases them and leaves its destruction records."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from khedmat.retention import services
from khedmat.retention.choices import RunTrigger


class Command(BaseCommand):
    help = "Erase (anonymise or delete) what has passed its retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count what would be erased."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dry_run"]:
            for line in services.count_expired():
                self.stdout.write(f"{line.count:>10}  {line.rule.describe()}")
            self.stdout.write(_("Dry run: nothing was changed."))
            return
        run = services.start_run(trigger=RunTrigger.COMMAND)
        for record in services.destroy_expired(run):
            self.stdout.write(f"{record.count:>10}  {record.rule_text}")
        self.stdout.write(_("Run %(run)s finished.") % {"run": run.pk})
