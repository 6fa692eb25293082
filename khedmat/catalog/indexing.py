"""The catalog's entries in the search index: one per published service (the portal search).

Catalog indexes its own services; the search app knows no domain model.
"""

from __future__ import annotations

from khedmat.catalog.models import Service
from khedmat.search.services import Document, index_document, rebuild_kind, remove_document

SERVICE_KIND = "service"


def service_document(service: Service) -> Document | None:
    """The card in force as a search document, or None when the service is not published."""
    version = service.current_version
    if not service.is_published or version is None:
        return None
    titles = [version.title_fa, version.title_ar, version.title_en]
    return Document(
        object_id=service.pk,
        title=version.title_fa,
        texts=[*titles, version.search_key],
        title_key=version.title_fa,
        scope="public",
    )


def index_service(service: Service) -> None:
    """Index a service's card in force (after it is published or revised); remove it otherwise."""
    document = service_document(service)
    if document is None:
        remove_document(SERVICE_KIND, service.pk)
        return
    index_document(
        SERVICE_KIND,
        document.object_id,
        title=document.title,
        texts=document.texts,
        scope=document.scope,
    )


def reindex_services() -> int:
    """Rebuild the service entries from the published catalog; returns how many were indexed."""
    services = Service.objects.published().select_related("current_version").order_by("pk")
    documents = (service_document(service) for service in services.iterator(chunk_size=2000))
    return rebuild_kind(SERVICE_KIND, (document for document in documents if document))
