"""Rebuild the search entries of every request."""

from typing import Any

from django.core.management.base import BaseCommand

from khedmat.search.services import reindex_requests


class Command(BaseCommand):
    help = "Rebuild the search index of requests (staff search)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = reindex_requests()
        self.stdout.write(f"indexed {count} requests")
