"""khedmat restore --input PATH [--yes] [--check]: put an archive of `khedmat backup` back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from khedmat.core.backups import BackupError, check_backup, restore_backup


class Command(BaseCommand):
    help = (
        "Check an archive of `khedmat backup` whole, then replace the database with it and write "
        "its files back. Without --yes it only checks."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True, help="The archive to restore.")
        parser.add_argument(
            "--yes", action="store_true", help="Replace the database (it is lost otherwise)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        archive = Path(options["input"])
        try:
            if not options["yes"]:
                manifest = check_backup(archive)
                self.stdout.write(
                    _("The archive of %(time)s checks out; run again with --yes to restore it.")
                    % {"time": manifest["created_at"]}
                )
                return
            manifest = restore_backup(archive)
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_("Restored the backup of %(time)s.") % {"time": manifest["created_at"]})
