"""`khedmat celery_worker`: run background tasks from RabbitMQ (the broker backend).

A Celery worker with the project's settings: tasks acknowledged after they run, requeued when a
process dies, one message at a time per process; every process that runs tasks keeps a heartbeat
row and takes part in the once-a-minute tick (no celery beat needed). Run one or more per machine.
"""

from __future__ import annotations

import os
import socket
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django_tasks_db.compat import task_backends

from khedmat.jobs.celery_backend import uses_broker

POOLS = ("prefork", "threads", "solo")


class Command(BaseCommand):
    help = (
        "Run a Celery worker for the broker backend (KHEDMAT_TASK_BACKEND=celery): tasks from "
        "RabbitMQ, retries with backoff, recovery of tasks of crashed workers, and the "
        "once-a-minute tick."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--concurrency",
            type=int,
            default=int(os.environ.get("KHEDMAT_CELERY_CONCURRENCY", "2")),
            help="Tasks run at once (processes or threads). Default 2 (KHEDMAT_CELERY_CONCURRENCY).",
        )
        parser.add_argument(
            "--pool",
            choices=POOLS,
            default=os.environ.get("KHEDMAT_CELERY_POOL", "prefork"),
            help="prefork (default: one process per task slot), threads or solo.",
        )
        parser.add_argument(
            "--queues",
            default="",
            help="Comma-separated task queues to consume (default: every queue in TASKS).",
        )
        parser.add_argument(
            "--name",
            default="",
            help="The worker's node name (default khedmat-<pid>@<host>).",
        )
        parser.add_argument(
            "--no-tick",
            action="store_false",
            dest="tick",
            help="Do not take part in the once-a-minute tick (run tasks only).",
        )
        parser.add_argument("--loglevel", default="INFO")

    def handle(self, *args: Any, **options: Any) -> None:
        if not uses_broker():
            raise CommandError(
                "KHEDMAT_TASK_BACKEND is not the broker backend; set KHEDMAT_TASK_BACKEND=celery "
                "and KHEDMAT_BROKER_URL, or run `khedmat worker` for the database queue."
            )
        if options["concurrency"] < 1:
            raise CommandError("--concurrency must be at least 1.")
        from khedmat.jobs import broker

        known = task_backends["default"].queues
        queues = [name for name in options["queues"].split(",") if name] or sorted(known)
        unknown = sorted(set(queues) - set(known))
        if unknown:
            raise CommandError(f"Unknown queue(s) {', '.join(unknown)}; TASKS has {sorted(known)}.")
        broker.TICK_ENABLED = options["tick"]
        broker.TASKS_IN_MAIN_PROCESS = options["pool"] != "prefork"
        # Children are forked from this process: none may inherit an open database connection.
        connections.close_all()
        app = broker.get_app()
        worker = app.Worker(
            hostname=options["name"] or f"khedmat-{os.getpid()}@{socket.gethostname()}",
            pool_cls=options["pool"],
            concurrency=options["concurrency"],
            queues=[broker.amqp_queue(name) for name in queues],
            loglevel=options["loglevel"],
            without_gossip=True,
            without_mingle=True,
            optimization="fair",
        )
        worker.start()
        sys.exit(worker.exitcode)
