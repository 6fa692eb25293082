"""Writes of the search index: explicit calls from the services that write the documents (no signals).

Search knows no domain app: each app turns its records into `Document`s and indexes them itself
(tickets.indexing, catalog.indexing, knowledge), and registers how to rebuild its kind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.db import connection, transaction

from khedmat.search.keys import document_key
from khedmat.search.models import SearchEntry


@dataclass(frozen=True)
class Document:
    """One document as an app hands it to the index (each app indexes its own records)."""

    object_id: int
    title: str
    texts: Sequence[str] = ()
    title_key: str = ""
    scope: str = ""


#: Rebuilders of a whole kind, registered by the app that owns it (reindex_search runs them all).
_reindexers: dict[str, Callable[[], int]] = {}


def register_reindexer(kind: str, rebuild: Callable[[], int]) -> None:
    """Let `reindex_search` rebuild `kind` with `rebuild()` (returns how many were indexed)."""
    _reindexers[kind] = rebuild


def reindexers() -> dict[str, Callable[[], int]]:
    """The registered rebuilders, by kind."""
    return dict(_reindexers)


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


def _batches(documents: Iterable[Document]) -> Iterator[list[Document]]:
    batch: list[Document] = []
    for document in documents:
        batch.append(document)
        if len(batch) == REINDEX_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def rebuild_kind(kind: str, documents: Iterable[Document]) -> int:
    """Replace every entry of `kind` by `documents` in one transaction; returns how many."""
    count = 0
    with transaction.atomic():
        drop_kind(kind)
        for batch in _batches(documents):
            SearchEntry.objects.bulk_create(
                SearchEntry(
                    kind=kind,
                    object_id=document.object_id,
                    scope=document.scope,
                    title=document.title,
                    title_key=document_key(document.title_key),
                    key=document_key(document.title, *document.texts),
                )
                for document in batch
            )
            count += len(batch)
        _fill_fts(kind)
    return count


def drop_kind(kind: str) -> None:
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
