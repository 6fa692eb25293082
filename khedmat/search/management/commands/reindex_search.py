"""Rebuild the search index: every kind an app registered (requests, services…)."""

from typing import Any

from django.core.management.base import BaseCommand

from khedmat.search.services import reindexers


class Command(BaseCommand):
    help = "Rebuild the search index of every kind the apps registered (requests, services)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kinds", nargs="*", help="only these kinds (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        registered = reindexers()
        unknown = sorted(set(options["kinds"]) - set(registered))
        if unknown:
            self.stderr.write(
                f"unknown kinds: {', '.join(unknown)}; known: {', '.join(registered)}"
            )
            raise SystemExit(2)
        for kind in options["kinds"] or sorted(registered):
            self.stdout.write(f"indexed {registered[kind]()} {kind} entries")
