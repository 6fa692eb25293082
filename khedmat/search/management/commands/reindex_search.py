"""Rebuild the search entries of requests and services (articles: knowledge's reindex)."""

from typing import Any

from django.core.management.base import BaseCommand

from khedmat.search.services import reindex_requests, reindex_services


class Command(BaseCommand):
    help = "Rebuild the search index of requests and published services."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"indexed {reindex_requests()} requests, {reindex_services()} services")
