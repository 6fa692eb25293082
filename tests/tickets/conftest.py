"""Request fixtures: a published service with a form and documents, files, a submit helper."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from khedmat.accounts.models import OrgUnit, User
from khedmat.catalog.models import Service
from khedmat.tickets import services
from khedmat.tickets.documents import document_key, upload_documents
from khedmat.tickets.models import Ticket
from tests.catalog.conftest import (  # noqa: F401  (fixtures)
    MakeService,
    category,
    make_service,
    outside_requests,
    units,
)
from tests.notifications.conftest import install_default_templates

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

FORM_FIELDS = [
    {
        "key": "shop_name",
        "field_type": "text",
        "label_fa": "نام فروشگاه",
        "label_en": "Shop name",
        "is_required": True,
    },
    {
        "key": "opening_date",
        "field_type": "date",
        "label_fa": "تاریخ گشایش",
        "label_en": "Opening date",
    },
    {
        "key": "photo",
        "field_type": "image",
        "label_fa": "عکس سردر",
        "label_en": "Shop front photo",
        "is_required": False,
    },
]


def pdf_file(name: str = "lease.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png_file(name: str = "front.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture
def templates(db: None) -> None:
    install_default_templates()


@pytest.fixture
def service(make_service: MakeService) -> Service:  # noqa: F811  (the imported fixture)
    """A published licence service: a three-field form, one uploaded and one inquiry document."""
    return make_service("17041325104", rows={"form_fields": FORM_FIELDS})


@pytest.fixture
def lease_key(service: Service) -> str:
    (lease,) = upload_documents(service.current_version)
    return document_key(lease.pk)


@pytest.fixture
def citizen(make_user: Callable[..., User], verify_national_code: Callable[[User], User]) -> User:
    """An applicant whose national code is verified (their mobile is registered to it)."""
    user = make_user(
        "citizen",
        first_name="زهرا",
        last_name="کریمی",
        mobile="+989121234567",
        national_code="0013542419",
        password=None,
    )
    return verify_national_code(user)


Submit = Callable[..., Ticket]


@pytest.fixture
def submit(service: Service, lease_key: str, citizen: User, templates: None) -> Submit:
    """submit(**overrides): file a valid request for the citizen through the real service."""

    def run(**overrides: Any) -> Ticket:
        lease = pdf_file()
        descriptor = {"name": "lease.pdf", "size": lease.size, "sha256": _sha(PDF)}
        values: dict[str, Any] = {
            "answers": {"shop_name": "نانوایی بربری", "opening_date": "2026-03-01"},
            "documents": {lease_key: [descriptor]},
            "files": {lease_key: [lease]},
            "requester": citizen,
            "filed_by": citizen,
            "principal": services.Principal(
                name="زهرا کریمی", national_code="0013542419", mobile="+989121234567"
            ),
        }
        values.update(overrides)
        return services.submit_request(service.current_version, **values)

    return run


def _sha(content: bytes) -> str:
    import hashlib

    return hashlib.sha256(content).hexdigest()


@pytest.fixture
def office(units: dict[str, OrgUnit]) -> OrgUnit:  # noqa: F811  (the imported fixture)
    return units["office"]
