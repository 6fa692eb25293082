"""`khedmat verify_audit`: recompute the audit trail's hash chain and check it against the
latest anchors. Exit 0 with the counts when intact; otherwise the first broken link (and any
anchor that no longer matches, rows left unsealed too long) and exit 1. For cron or monitoring."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from khedmat.core import audit


def describe(problem: audit.Problem) -> str:
    """One translated line per problem."""
    values = {"seq": problem.seq, "id": problem.row_id, "detail": problem.detail}
    if problem.kind == "gap":
        return _("Row(s) missing from the chain at seq %(detail)s: deleted.") % values
    if problem.kind == "link":
        return (
            _(
                "Broken link at seq %(seq)s (row %(id)s): it does not carry the hash of the row "
                "before it (that row or this link was changed)."
            )
            % values
        )
    if problem.kind == "content":
        return _("Row %(id)s (seq %(seq)s) was changed after it was sealed.") % values
    if problem.kind == "anchor":
        if problem.row_id is None:
            return (
                _("The anchored head seq %(seq)s (%(detail)s) is missing: the chain was cut.")
                % values
            )
        return (
            _("The row at the anchored head seq %(seq)s (%(detail)s) no longer has its hash.")
            % values
        )
    return (
        _(
            "%(detail)s row(s) left unsealed too long (the first: row %(id)s): is the sealer running?"
        )
        % values
    )


class Command(BaseCommand):
    help = "Check the audit trail's hash chain and anchors; exit 1 on the first broken link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=1000, help="rows per query")
        parser.add_argument(
            "--anchors", type=int, default=3, help="how many of the latest anchors to check"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        anchors = audit.latest_anchors(limit=max(0, options["anchors"]))
        report = audit.verify_chain(batch=max(1, options["batch"]), anchors=anchors)
        for problem in report.problems:
            self.stderr.write(describe(problem))
        counts = {
            "checked": report.checked,
            "head": report.head_seq,
            "unsealed": report.unsealed,
            "anchors": report.anchors_checked,
        }
        summary = _(
            "%(checked)d rows checked up to seq %(head)d; %(unsealed)d not sealed yet; "
            "%(anchors)d anchor(s) checked."
        )
        if report.intact:
            self.stdout.write(_("Audit trail intact.") + " " + summary % counts)
            return
        self.stderr.write(_("Audit trail BROKEN.") + " " + summary % counts)
        sys.exit(1)
