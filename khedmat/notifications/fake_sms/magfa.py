"""Magfa v2 at /api/http/sms/v2/...: Basic auth username/domain, status 0 for success."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from khedmat.notifications.fake_sms.common import (
    NATIONAL,
    PRICE,
    Context,
    server_error,
    today,
)
from khedmat.notifications.fake_sms.outbox import (
    BLOCKED,
    BUSY,
    DELIVERED,
    FAILED,
    INVALID_RECEPTOR,
    NO_CREDIT,
    QUEUED,
    SERVER_ERROR,
    SLOW,
    UNDELIVERED,
    last_four,
)
from khedmat.notifications.fake_sms.wire import Request, Response

MAGFA_CODES = {QUEUED: 0, DELIVERED: 1, UNDELIVERED: 2, BLOCKED: 2, FAILED: 16}


@dataclass
class Magfa:
    """Magfa v2: Basic auth `username/domain`, replies carry `status` (0 ok)."""

    context: Context

    def handle(self, request: Request, rest: str) -> Response:
        """Route one call."""
        expected = (f"{self.context.username}/{self.context.domain}", self.context.password)
        if request.basic_auth() != expected:
            return Response(401, {"status": 18})
        if (request.method, rest) == ("POST", "/send"):
            return self.send(request)
        if request.method == "GET" and rest.startswith("/statuses/"):
            dlrs = []
            for mid in rest.removeprefix("/statuses/").split(","):
                found = self.context.outbox.find("magfa", mid)
                status = MAGFA_CODES[found.status] if found else -1
                dlrs.append(
                    {"mid": int(mid) if mid.isdigit() else mid, "status": status, "date": today()}
                )
            return Response(200, {"status": 0, "dlrs": dlrs})
        if request.method == "GET" and rest.startswith("/mid/"):
            found = self.context.outbox.find_local("magfa", rest.removeprefix("/mid/"))
            return Response(200, {"status": 0, "mid": found.id if found else None})
        if (request.method, rest) == ("GET", "/balance"):
            return Response(200, {"status": 0, "balance": self.context.credit})
        return Response(404, {"status": 25})

    def send(self, request: Request) -> Response:
        """send: parallel arrays; each message gets its own status."""
        data = request.json()
        if not isinstance(data, dict):
            return Response(200, {"status": 31})
        senders, recipients = data.get("senders") or [], data.get("recipients") or []
        messages, uids = data.get("messages") or [], data.get("uids") or []
        if not recipients:
            return Response(200, {"status": 106})
        if not senders:
            return Response(200, {"status": 108})
        if len(messages) != len(recipients):
            return Response(200, {"status": 101})
        if len(senders) != len(recipients):
            return Response(200, {"status": 103})
        results = []
        for index, recipient in enumerate(recipients):
            ending = last_four(str(recipient))
            if ending == SLOW:
                self.context.stall()
            if ending == SERVER_ERROR:
                return server_error()
            if ending == BUSY:
                return Response(200, {"status": 23})
            results.append(
                self.one(
                    request,
                    str(senders[index]),
                    str(recipient),
                    str(messages[index]),
                    uids[index] if index < len(uids) else None,
                )
            )
        return Response(200, {"status": 0, "messages": results})

    def one(
        self, request: Request, sender: str, recipient: str, body: str, uid: Any
    ) -> dict[str, Any]:
        """One message of a send: stored, or refused with its own status."""
        ending = last_four(recipient)
        if not NATIONAL.match(recipient) or ending == INVALID_RECEPTOR:
            return {"status": 1, "recipient": recipient}
        if ending == NO_CREDIT or self.context.out_of_credit(type(self).__name__.lower()):
            return {"status": 14, "recipient": recipient}
        message = self.context.outbox.add(
            "magfa",
            recipient,
            sender=sender,
            text=body,
            local_id=str(uid) if uid is not None else None,
            cost=PRICE,
            request=request.record(),
        )
        return {
            "status": 0,
            "id": message.id,
            "userId": uid,
            "parts": 1,
            "tariff": PRICE,
            "alphabet": "DEFAULT" if body.isascii() else "UCS2",
            "recipient": recipient,
        }
