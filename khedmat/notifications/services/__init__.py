"""Use cases of the notifications app.

Later apps call `notify(...)` (or `queue_message(...)`) inside their own business transaction: the
Message row and its delivery job commit, or roll back, with the change that caused them.
"""

from khedmat.notifications.services.delivery import (
    deliver_message,
    poll_delivery_statuses,
    record_delivery_report,
    redispatch_stuck_messages,
    release_held_messages,
    request_status_polls,
)
from khedmat.notifications.services.outbox import (
    change_message_status,
    normalise_recipient,
    notify,
    opt_in_recipient,
    opt_out_recipient,
    queue_message,
    resend_message,
    save_message_template,
)
from khedmat.notifications.services.retention import purge_message_secrets

__all__ = [
    "change_message_status",
    "deliver_message",
    "normalise_recipient",
    "notify",
    "opt_in_recipient",
    "opt_out_recipient",
    "poll_delivery_statuses",
    "purge_message_secrets",
    "queue_message",
    "record_delivery_report",
    "redispatch_stuck_messages",
    "release_held_messages",
    "request_status_polls",
    "resend_message",
    "save_message_template",
]
