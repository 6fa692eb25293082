"""The backup test's other process, run as `python -m tests.core.backup_roundtrip ACTION` with the
scratch deployment's environment: `seed` (migrate, the demo catalog, one request with a file),
`delete` (the request and its file gone), `show` (the request and its file's bytes as JSON)."""

from __future__ import annotations

import hashlib
import json
import os
import sys

CODE = "555000111222"
CONTENT = b"%PDF-1.4\nbackup round trip\n%%EOF\n"


def main(action: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khedmat.settings")
    import django

    django.setup()
    from django.core.files.base import ContentFile
    from django.core.management import call_command

    from khedmat.accounts.models import User
    from khedmat.catalog.demo import load_demo_catalog
    from khedmat.catalog.models import Service
    from khedmat.tickets.models import Attachment, Ticket

    if action == "seed":
        call_command("migrate", verbosity=0)
        load_demo_catalog()
        service = Service.objects.published().select_related("current_version").first()
        assert service is not None
        user = User.objects.create(username="backup-applicant", first_name="رضا")
        ticket = Ticket.objects.create(
            tracking_code=CODE,
            service=service,
            service_version=service.current_version,  # type: ignore[misc]
            requester=user,
            filed_by=user,
            principal_name="رضا احمدی",
        )
        attachment = Attachment(
            ticket=ticket,
            field_key="lease",
            original_name="lease.pdf",
            size=len(CONTENT),
            content_type="application/pdf",
            sha256=hashlib.sha256(CONTENT).hexdigest(),
            uploaded_by=user,
        )
        attachment.file.save("lease.pdf", ContentFile(CONTENT), save=True)
    elif action == "delete":
        ticket = Ticket.objects.get(tracking_code=CODE)
        for attachment in ticket.attachments.all():
            attachment.file.delete(save=False)
        Attachment.objects.filter(ticket=ticket).delete()
        Ticket.objects.filter(pk=ticket.pk).delete()
    shown: dict[str, object] = {
        "tickets": list(Ticket.objects.values_list("tracking_code", flat=True))
    }
    kept = Attachment.objects.filter(ticket__tracking_code=CODE).first()
    if kept is not None:
        with kept.file.open("rb") as handle:
            shown["file_sha256"] = hashlib.sha256(handle.read()).hexdigest()
    print(json.dumps(shown))


if __name__ == "__main__":
    main(sys.argv[1])
