"""khedmat backup [--output PATH]: one encrypted archive of the database and the stored files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from khedmat.core.backups import BackupError, default_backup_name, write_backup


class Command(BaseCommand):
    help = "Write an encrypted archive of the database and the stored files (khedmat restore)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            help="The archive's path (default: var/backups/khedmat-backup-<UTC time>.khb).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"] or settings.VAR_DIR / "backups" / default_backup_name())
        try:
            manifest = write_backup(output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        files = sum(1 for name in manifest["members"] if name.startswith("files/"))
        self.stdout.write(
            _("Backup written: %(path)s (database and %(files)d files).")
            % {"path": output, "files": files}
        )
