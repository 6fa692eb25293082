"""`khedmat seal_audit`: chain every Activity row not sealed yet (the tick does it each minute;
run it after loading data or a long stop), then write an anchor of the chain head."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from khedmat.core import audit


class Command(BaseCommand):
    help = "Seal the pending Activity rows into the hash chain and anchor the chain head."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=audit.BATCH, help="rows per transaction")
        parser.add_argument(
            "--no-anchor", action="store_true", help="do not write an anchor of the head"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sealed = audit.seal_all(batch=max(1, options["batch"]))
        seq, _head = audit.chain_head()
        self.stdout.write(
            _("Sealed %(sealed)d rows; the chain holds %(seq)d.") % {"sealed": sealed, "seq": seq}
        )
        if not options["no_anchor"]:
            anchor = audit.write_anchor()
            if anchor is not None:
                self.stdout.write(_("Anchor written: %(name)s") % {"name": anchor.name})
