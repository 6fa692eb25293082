"""Writes of the search index: explicit calls from the services that write the documents (no signals)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection, transaction

from khedmat.search.keys import document_key
from khedmat.search.models import SearchEntry

REQUEST_KIND = "request"
REINDEX_BATCH = 2000


def index_document(
    kind: str,
    object_id: int,
    *,
    title: str,
    texts: Iterable[str] = (),
    scope: str = "",
    title_key: str | None = None,
) -> SearchEntry:
    """Write (or rewrite) the search entry of one document, and its FTS5 row on SQLite."""
    with transaction.atomic():
        entry, _created = SearchEntry.objects.update_or_create(
            kind=kind,
            object_id=object_id,
            defaults={
                "scope": scope,
                "title": title,
                "title_key": document_key(title if title_key is None else title_key),
                "key": document_key(title, *texts),
            },
        )
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM search_fts WHERE rowid = %s", [entry.pk])
                cursor.execute(
                    "INSERT INTO search_fts (rowid, key) VALUES (%s, %s)", [entry.pk, entry.key]
                )
    return entry


def remove_document(kind: str, object_id: int) -> None:
    """Drop a document from the index."""
    with transaction.atomic():
        ids = list(
            SearchEntry.objects.filter(kind=kind, object_id=object_id).values_list("pk", flat=True)
        )
        if ids and connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM search_fts WHERE rowid = %s", [ids[0]])
        SearchEntry.objects.filter(pk__in=ids).delete()


def request_texts(ticket: Any) -> tuple[str, list[str]]:
    """A request's title (the applicant's name) and the texts it is found by."""
    answers = [str(value) for value in (ticket.answers or {}).values() if isinstance(value, str)]
    version = ticket.service_version
    texts = [
        ticket.tracking_code,
        ticket.principal_national_code,
        ticket.representative_name,
        ticket.representative_national_code,
        version.title_fa if version is not None else "",
        *answers,
    ]
    return ticket.principal_name, texts


def index_request(ticket: Any) -> SearchEntry:
    """Index one request (call from tickets.services.submit_request and after a correction)."""
    title, texts = request_texts(ticket)
    return index_document(
        REQUEST_KIND, ticket.pk, title=title, texts=texts, title_key=ticket.tracking_code
    )


def _batches(queryset: Any) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for ticket in queryset.iterator(chunk_size=REINDEX_BATCH):
        batch.append(ticket)
        if len(batch) == REINDEX_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def reindex_requests() -> int:
    """Rebuild the request entries from the tickets table; returns how many were indexed."""
    from khedmat.tickets.models import Ticket

    count = 0
    with transaction.atomic():
        _drop_kind(REQUEST_KIND)
        tickets = Ticket.objects.select_related("service_version").order_by("pk")
        for batch in _batches(tickets):
            entries = []
            for ticket in batch:
                title, texts = request_texts(ticket)
                entries.append(
                    SearchEntry(
                        kind=REQUEST_KIND,
                        object_id=ticket.pk,
                        title=title,
                        title_key=document_key(ticket.tracking_code),
                        key=document_key(title, *texts),
                    )
                )
            SearchEntry.objects.bulk_create(entries)
            count += len(entries)
        _fill_fts(REQUEST_KIND)
    return count


def _drop_kind(kind: str) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM search_fts WHERE rowid IN "
                "(SELECT id FROM search_searchentry WHERE kind = %s)",
                [kind],
            )
    SearchEntry.objects.filter(kind=kind).delete()


def _fill_fts(kind: str) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO search_fts (rowid, key) "
                "SELECT id, key FROM search_searchentry WHERE kind = %s",
                [kind],
            )


SERVICE_KIND = "service"


def index_service(service: Any) -> None:
    """Index a service's card in force (call after catalog publishes or revises a service);
    unpublished services are removed."""
    version = service.current_version
    if not service.is_published or version is None:
        remove_document(SERVICE_KIND, service.pk)
        return
    titles = [version.title_fa, version.title_ar, version.title_en]
    index_document(
        SERVICE_KIND, service.pk, title=version.title_fa, texts=[*titles, version.search_key],
        scope="public",
    )  # fmt: skip


def reindex_services() -> int:
    """Rebuild the service entries from the published catalog; returns how many were indexed."""
    from khedmat.catalog.models import Service

    with transaction.atomic():
        _drop_kind(SERVICE_KIND)
        services = Service.objects.published().select_related("current_version")
        count = 0
        for service in services:
            index_service(service)
            count += 1
    return count
