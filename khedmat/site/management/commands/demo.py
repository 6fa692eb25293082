"""`khedmat demo`: migrate, load demo data, then run the web server and a job worker together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from khedmat.catalog.demo import load_demo_catalog
from khedmat.changes.demo import load_demo_changes
from khedmat.cmdb.demo import load_demo_cmdb
from khedmat.itsm.demo import (
    IT_STAFF,
    demo_itsm_summary,
    link_demo_records_to_cis,
    load_demo_itsm,
    refer_demo_incidents_to_suppliers,
)
from khedmat.processes.demo import load_demo_process_requests, load_demo_processes
from khedmat.site.demo_data import load_demo_data
from khedmat.tickets.demo import load_demo_requests


class Command(BaseCommand):
    help = (
        "Start the demo: migrate, load demo data, serve on 127.0.0.1 with an embedded job worker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-serve", action="store_true", help="Prepare everything, then exit."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        logins = load_demo_data()
        load_demo_catalog()
        requests = load_demo_requests()
        # After the requests: they are moved by hand; requests filed from now on run a process.
        load_demo_processes()
        requests += load_demo_process_requests()
        # After the users and the catalog: IT staff, incidents, problems and known errors.
        load_demo_itsm()
        # After the IT teams: the estate, the incidents put on their CIs, a month of changes.
        load_demo_cmdb()
        link_demo_records_to_cis()
        refer_demo_incidents_to_suppliers()
        load_demo_changes()
        base = f"http://{options['host']}:{options['port']}"
        self.stdout.write(
            self.style.SUCCESS(
                f"Khedmat demo: {base}/  (staff workspace {base}/desk/, admin {base}/admin/)"
            )
        )
        self.stdout.write("Demo logins (username / password / role):")
        accounts = [(login.username, login.password, login.role) for login in logins]
        accounts += [(staff.username, staff.password, staff.role) for staff in IT_STAFF]
        for username, password, role in accounts:
            self.stdout.write(f"  {username:<11} {password:<22} {role.value}")
        self.stdout.write(
            f"Demo requests (follow one at {base}/track/ with its code and national code):"
        )
        for row in requests:
            self.stdout.write(
                f"  {row.tracking_code}  {row.national_code}  {row.status:<18} {row.channel:<9} "
                f"{row.service_code}"
            )
        summary = demo_itsm_summary()
        if summary.major_code:
            self.stdout.write(
                f"Demo incidents at {base}/desk/incidents/: {summary.incidents} "
                f"({summary.by_status}); major incident {summary.major_code}, "
                f"{summary.problems} problems, {summary.known_errors} known errors."
            )
        if settings.KHEDMAT_STAFF_2FA == "optional":
            self.stdout.write(
                "Staff second factor is optional in this demo. To set one up, an administrator "
                'issues an enrolment link (admin, Users, action "Issue an authenticator enrolment '
                'link"), or run: khedmat enrolment_link <username>'
            )
        self.stdout.write("Press Ctrl-C to stop the server and the worker.")
        if options["no_serve"]:
            return
        self.run_children(options["host"], options["port"])

    def start_fake_outside_world(self) -> dict[str, str]:
        """The fake agency and office automation on 127.0.0.1 (threads of this process), unless
        real ones are configured; the environment the server and the worker need to reach them."""
        from khedmat.integrations.fake_agency import FakeAgencyServer, FakeOfficeServer

        env: dict[str, str] = {}
        if not os.environ.get("KHEDMAT_INQUIRY_GSB_URL"):
            agency = FakeAgencyServer()
            agency.start()
            env |= {
                "KHEDMAT_INQUIRY_GSB_URL": agency.url,
                "KHEDMAT_INQUIRY_GSB_API_KEY": agency.app.api_key,
            }
            self.stdout.write(f"Fake agency (inquiries to other agencies): {agency.url}")
        if not os.environ.get("KHEDMAT_OFFICE_AUTOMATION_URL"):
            office = FakeOfficeServer()
            office.start()
            env |= {
                "KHEDMAT_OFFICE_AUTOMATION_PROVIDER": "rest",
                "KHEDMAT_OFFICE_AUTOMATION_URL": office.url,
                "KHEDMAT_OFFICE_AUTOMATION_API_KEY": office.app.api_key,
            }
            self.stdout.write(f"Fake office automation (letters): {office.url}")
        return env

    def run_children(self, host: str, port: int) -> None:
        """Run gunicorn and one job worker as children; stop both when either ends or on Ctrl-C."""
        khedmat = [sys.executable, "-m", "khedmat"]
        env = {**os.environ, **self.start_fake_outside_world()}
        children = [
            subprocess.Popen([*khedmat, "worker", "--verbosity", "1"], env=env),
            subprocess.Popen(
                [*khedmat, "serve", "--host", host, "--port", str(port), "--workers", "2"],
                env=env,
            ),
        ]
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
        os._exit(0 if stopping else 1)
