"""`khedmat fake_sms_server`: run the fake SMS providers on 127.0.0.1 for the demo."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from khedmat.notifications.fake_sms import BASE_PATHS, FakeSmsServer


class Command(BaseCommand):
    help = (
        "Serve fake Kavenegar, Ghasedak, IPPanel, Magfa and SMS.ir APIs on 127.0.0.1 "
        "(GET /_outbox lists the messages; POST /_advance delivers them)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8025)
        parser.add_argument(
            "--slow-seconds",
            type=float,
            default=30.0,
            help="How long numbers ending in 0408 wait before answering.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        server = FakeSmsServer(
            options["host"], options["port"], slow_seconds=options["slow_seconds"]
        ).start()
        config = server.backend_config("kavenegar")
        self.stdout.write(f"Fake SMS providers on {server.url} (Ctrl-C stops).")
        self.stdout.write(f"Outbox: {server.url}/_outbox")
        self.stdout.write("Point Khedmat at it with, for example:")
        self.stdout.write(f"  KHEDMAT_SMS_PROVIDERS={','.join(BASE_PATHS)}")
        for name in BASE_PATHS:
            prefix = f"KHEDMAT_SMS_{name.upper()}_"
            self.stdout.write(f"  {prefix}URL={server.base_url(name)}")
            if name == "magfa":
                self.stdout.write(f"  {prefix}USERNAME={config['username']}")
                self.stdout.write(f"  {prefix}PASSWORD={config['password']}")
                self.stdout.write(f"  {prefix}DOMAIN={config['domain']}")
            else:
                self.stdout.write(f"  {prefix}API_KEY={config['api_key']}")
            self.stdout.write(f"  {prefix}SENDER={server.backend_config(name)['sender']}")
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
