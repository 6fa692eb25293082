"""Prepare the peer (run by bench_peer.py with the peer virtualenv's Python, cwd bench/peer).

Migrates django-helpdesk's project, creates the public queue, `users` staff API users (superusers,
no usable password) with a session each, and `records` tickets with their opening follow-up
(bulk-created, spread over the last year). Prints one JSON line: the queue id, the sessions and
the public-view query of a few seeded tickets.

Usage: python peer_seed.py RECORDS USERS
"""

import datetime as dt
import json
import os
import sys
import time

BATCH = 2000


def main() -> None:
    records, users = int(sys.argv[1]), int(sys.argv[2])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_site.settings")
    import django

    django.setup()
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone
    from helpdesk.models import FollowUp, Queue, Ticket, mk_secret

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter() - started
    queue = Queue.objects.create(
        title="Bench", slug="bench", allow_public_submission=True, email_address=""
    )
    model = get_user_model()
    sessions = []
    for index in range(users):
        user = model.objects.create_superuser(f"bench-api-{index}", f"api{index}@example.com")
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        sessions.append(session.session_key)
    now = timezone.now()
    statuses = [Ticket.OPEN_STATUS] * 5 + [Ticket.REOPENED_STATUS, Ticket.RESOLVED_STATUS]
    statuses += [Ticket.CLOSED_STATUS] * 3
    for low in range(0, records, BATCH):
        numbers = range(low, min(records, low + BATCH))
        with transaction.atomic():
            tickets = Ticket.objects.bulk_create(
                Ticket(
                    title=f"Seeded complaint {number}",
                    queue=queue,
                    created=now - dt.timedelta(minutes=50 * (records - number)),
                    modified=now - dt.timedelta(minutes=50 * (records - number)),
                    submitter_email=f"applicant{number}@example.com",
                    status=statuses[number % len(statuses)],
                    description="The fridge bought from the shop was broken from day one.",
                    priority=3,
                    secret_key=mk_secret(),
                )
                for number in numbers
            )
            FollowUp.objects.bulk_create(
                FollowUp(
                    ticket=ticket,
                    date=ticket.created,
                    title="Ticket Opened Via Web",
                    comment=ticket.description,
                    public=True,
                )
                for ticket in tickets
            )
    sample = Ticket.objects.order_by("-id")[:50]
    print(
        json.dumps(
            {
                "queue": queue.pk,
                "sessions": sessions,
                "tickets": [[t.ticket_for_url, t.submitter_email, t.secret_key] for t in sample],
                "count": Ticket.objects.count(),
                "migrate_seconds": round(migrated, 1),
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
