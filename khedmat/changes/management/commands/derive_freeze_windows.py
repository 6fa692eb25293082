"""Derive the freeze windows of Jalali years from the national calendar (Nowruz, the last ten
days of Esfand, Tasua and Ashura): `khedmat derive_freeze_windows 1404 1405`."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from khedmat.changes.freeze import derive_year


class Command(BaseCommand):
    help = "Create or update the freeze windows of Jalali years from the national calendar."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("years", nargs="+", type=int, help="Jalali years, e.g. 1404 1405")

    def handle(self, *args: Any, **options: Any) -> None:
        for year in options["years"]:
            if not 1300 <= year <= 1500:
                raise CommandError(f"{year} is not a Jalali year")
            result = derive_year(year)
            for window in result.windows:
                self.stdout.write(
                    f"{year} {window.origin}: {window.starts_at.isoformat()} – "
                    f"{window.ends_at.isoformat()} ({window.name_en})"
                )
            for message in result.missing:
                self.stdout.write(self.style.WARNING(f"{year} missing: {message}"))
