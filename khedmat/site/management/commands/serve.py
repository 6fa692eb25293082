"""`khedmat serve`: the production-style web server (gunicorn workers)."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


def gunicorn_argv(
    *, bind: str, workers: int, threads: int, timeout: int, access_log: bool
) -> list[str]:
    """The gunicorn command line for the given options."""
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "khedmat.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--timeout",
        str(timeout),
        "--graceful-timeout",
        "10",
        "--max-requests",
        "5000",
        "--max-requests-jitter",
        "500",
        "--forwarded-allow-ips",
        "127.0.0.1",
    ]
    if access_log:
        argv += ["--access-logfile", "-"]
    return argv


class Command(BaseCommand):
    help = "Serve Khedmat with gunicorn (binds 127.0.0.1:8000 by default; put nginx in front)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("KHEDMAT_BIND_HOST", "127.0.0.1"))
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("KHEDMAT_BIND_PORT", "8000"))
        )
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("KHEDMAT_WEB_WORKERS", "2"))
        )
        parser.add_argument(
            "--threads", type=int, default=int(os.environ.get("KHEDMAT_WEB_THREADS", "4"))
        )
        parser.add_argument("--timeout", type=int, default=30)
        parser.add_argument("--no-access-log", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 1 or options["threads"] < 1:
            self.stderr.write("--workers and --threads must be at least 1")
            sys.exit(2)
        argv = gunicorn_argv(
            bind=f"{options['host']}:{options['port']}",
            workers=options["workers"],
            threads=options["threads"],
            timeout=options["timeout"],
            access_log=not options["no_access_log"],
        )
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khedmat.settings")
        os.execv(argv[0], argv)  # noqa: S606 - replace this process with gunicorn
