"""Rebuild the search entries of every request (after a bulk import or a restore)."""

from typing import Any

from django.core.management.base import BaseCommand

from khedmat.tickets.indexing import reindex_requests


class Command(BaseCommand):
    help = "Rebuild the staff search index of requests."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"indexed {reindex_requests()} requests")
