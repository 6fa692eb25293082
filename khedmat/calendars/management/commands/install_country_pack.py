"""`khedmat install_country_pack SA`: the country's scope and default work week from its pack."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from khedmat.calendars.packs import PACKS, THURSDAY_RULES
from khedmat.calendars.services import install_country_pack


class Command(BaseCommand):
    help = "Create a country's national calendar scope and default work week from its pack."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", choices=sorted(PACKS), help="country code")
        parser.add_argument("--thursday", choices=THURSDAY_RULES, help="Iran only")
        parser.add_argument(
            "--from", dest="valid_from", help="first day, YYYY-MM-DD (default today)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        valid_from = None
        if options["valid_from"]:
            try:
                valid_from = dt.date.fromisoformat(options["valid_from"])
            except ValueError as error:
                raise CommandError(f"--from: {error}") from None
        try:
            scope = install_country_pack(
                options["code"], actor=None, thursday=options["thursday"], valid_from=valid_from
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{scope.code}: {scope.name_en or scope.name_fa} ({scope.time_zone})")
