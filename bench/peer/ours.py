"""Khedmat's side of bench_peer.py: its database, its seed and its server.

The applicants, their sessions, the first requests and the server come from bench_submission.py
(the same set-up as the submission benchmark); this module adds the bulk of existing requests.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from argparse import Namespace
from pathlib import Path
from subprocess import Popen
from typing import Any

import bench_submission

BATCH = 2000
SEED_TEXT = "یخچال خریداری‌شده از روز اول خراب بود و فروشنده از تعویض آن خودداری کرد."


def prepare(database_url: str, *, users: int, records: int) -> tuple[list[Any], list[Any]]:
    """Migrate, demo catalog, applicants with sessions, then `records` requests in all.

    The first requests (up to 200) are filed through `tickets.services.submit_request`; the rest
    are bulk-created as submitted or in-progress requests of the same service, each with its
    "submitted" Activity row (the peer's seed writes a ticket and its opening follow-up).
    """
    applicants, codes = bench_submission.prepare(database_url, users)
    started = time.perf_counter()
    seeded = seed_requests(records - len(codes), applicants)
    print(f"ours: {seeded:,} more requests bulk-created in {time.perf_counter() - started:.1f} s")
    return applicants, codes


def seed_requests(count: int, applicants: list[Any]) -> int:
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone

    from khedmat.accounts.models import User
    from khedmat.catalog.models import Service
    from khedmat.core.models import Activity
    from khedmat.core.tracking import damm_check_digit
    from khedmat.tickets.choices import Status
    from khedmat.tickets.models import Ticket

    if count <= 0:
        return 0
    version = Service.objects.get(code=bench_submission.SERVICE_CODE).current_version
    assert version is not None
    people = list(User.objects.filter(username__startswith="bench-").order_by("pk"))
    unit_id = Ticket.objects.values_list("org_unit_id", flat=True).first()
    ticket_type = ContentType.objects.get_for_model(Ticket)
    now = timezone.now()
    statuses = [Status.SUBMITTED] * 3 + [Status.IN_PROGRESS] * 5 + [Status.COMPLETED] * 2
    for low in range(0, count, BATCH):
        numbers = range(low, min(count, low + BATCH))
        with transaction.atomic():
            tickets = []
            for number in numbers:
                person = people[number % len(people)]
                applicant = applicants[number % len(applicants)]
                at = now - dt.timedelta(minutes=50 * (count - number))
                body = f"8{number:010d}"
                tickets.append(
                    Ticket(
                        tracking_code=body + damm_check_digit(body),
                        service_id=version.service_id,
                        service_version=version,
                        requester=person,
                        filed_by=person,
                        principal_name=person.get_full_name(),
                        principal_national_code=applicant.national_code,
                        principal_mobile=applicant.mobile,
                        answers={**bench_submission.answers_for(applicant), "complaint": SEED_TEXT},
                        status=statuses[number % len(statuses)],
                        org_unit_id=unit_id,
                        submitted_at=at,
                        status_changed_at=at,
                    )
                )
            Ticket.objects.bulk_create(tickets)
            Activity.objects.bulk_create(
                Activity(
                    target_type=ticket_type,
                    target_id=str(ticket.pk),
                    verb="ticket.submitted",
                    actor=ticket.filed_by,
                    is_public=True,
                    data={"tracking_code": ticket.tracking_code},
                )
                for ticket in tickets
            )
    return count


def collect_static(database_url: str, scratch: Path) -> None:
    """The pages need the static manifest of production settings (the API alone does not)."""
    started = time.perf_counter()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "khedmat.settings",
        "KHEDMAT_DEBUG": "0",
        "KHEDMAT_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "KHEDMAT_STATIC_ROOT": str(scratch / "static"),
        "KHEDMAT_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "khedmat", "collectstatic", "--noinput", "-v", "0"]
    subprocess.run(command, env=env, cwd=bench_submission.ROOT, check=True)
    print(f"ours: collectstatic (production storage) in {time.perf_counter() - started:.1f} s")


def start_server(args: Namespace, database_url: str, scratch: Path, port: int) -> Popen[bytes]:
    """gunicorn as `khedmat serve` runs it, production settings, no worker recycling."""
    collect_static(database_url, scratch)
    server_args = Namespace(workers=args.workers, threads=args.threads, prepared=False)
    return bench_submission.start_server(server_args, database_url, scratch, port)
