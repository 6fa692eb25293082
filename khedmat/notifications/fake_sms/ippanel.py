"""IPPanel Edge at /v1/api/...: bare Authorization header, data/meta replies.

It answers with the shapes of IPPanel's Edge documentation (providers/ippanel.py cites it): 401
with message_code 400-1 for the key, 422 with message_code 400-2 and meta.errors keyed by the
request's field path for a bad recipient, template or value, 404-1 for an unknown id. No credit
is what the documentation shows: the send is accepted and its bulk's state_id becomes 8
("Insufficient credit for sending"). How a busy Edge answers is not documented: a bare HTTP 429.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from khedmat.notifications.fake_sms.common import (
    INTERNATIONAL,
    PRICE,
    UNAPPROVED_TEMPLATE,
    Context,
    server_error,
    today,
)
from khedmat.notifications.fake_sms.outbox import (
    BAD_TOKEN,
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
    FakeMessage,
    last_four,
)
from khedmat.notifications.fake_sms.wire import Request, Response, text

IPPANEL_RECIPIENT_CODES = {DELIVERED: "2", UNDELIVERED: "3", BLOCKED: "4", FAILED: "3"}


@dataclass
class Ippanel:
    """IPPanel Edge's reply: {"data", "meta": {"status", "message", "message_code", …}}."""

    context: Context

    def ok(self, data: Any, **meta: Any) -> Response:
        """A successful reply."""
        return Response(
            200,
            {
                "data": data,
                "meta": {
                    "status": True,
                    "message": "انجام شد",
                    "message_parameters": [],
                    "message_code": "200-1",
                    **meta,
                },
            },
        )

    def fail(
        self, http: int, message: str, code: str, errors: dict[str, list[str]] | None = None
    ) -> Response:
        """A failed reply."""
        return Response(
            http,
            {
                "data": None,
                "meta": {
                    "status": False,
                    "message": message,
                    "message_parameters": [],
                    "message_code": code,
                    "errors": errors or {},
                },
            },
        )

    def handle(self, request: Request, rest: str) -> Response:
        """Route one call."""
        if request.headers.get("authorization") != self.context.api_key:
            return self.fail(401, "اطلاعات وارد شده صحیح نمی باشد", "400-1")
        if (request.method, rest) == ("POST", "/send"):
            return self.send(request)
        if (request.method, rest) == ("GET", "/report/by_bulk"):
            return self.by_bulk(request.arg("messages_outbox_id"))
        if (request.method, rest) == ("GET", "/report/recipients"):
            return self.recipients(request.arg("bulk_id"))
        if (request.method, rest) == ("POST", "/report/new_list"):
            filters = (request.json() or {}).get("filters") or {}
            found = self.context.outbox.find("ippanel", filters.get("messages_outbox_id", ""))
            return self.ok([self.bulk(found)] if found else [])
        if (request.method, rest) == ("GET", "/payment/credit/mine"):
            return self.ok(
                {
                    "credit": self.context.credit,
                    "yesterday_credit": self.context.credit,
                    "gift": 0,
                    "gift_expires_at": None,
                    "updated_at": today(),
                }
            )
        return self.fail(404, "یافت نشد", "404-1")

    def send(self, request: Request) -> Response:
        """sending_type webservice or pattern, one recipient."""
        data = request.json() or {}
        kind = data.get("sending_type")
        if kind == "webservice":
            recipients = (data.get("params") or {}).get("recipients") or []
        elif kind == "pattern":
            recipients = data.get("recipients") or []
        else:
            return self.fail(422, "نوع ارسال نامعتبر است", "400-2", {"sending_type": ["نامعتبر"]})
        if not data.get("from_number"):
            return self.fail(422, "شماره فرستنده الزامی است", "400-2", {"from_number": ["الزامی"]})
        recipient = str(recipients[0]) if recipients else ""
        #: Where the recipients are in this kind of request, as a validation error names them.
        recipients_key = "params.recipients.0" if kind == "webservice" else "recipients.0"
        ending = last_four(recipient)
        if ending == SLOW:
            self.context.stall()
        if ending == SERVER_ERROR:
            return server_error()
        if ending == BUSY:
            return text(429, "Too Many Requests")
        if not INTERNATIONAL.match(recipient) or ending == INVALID_RECEPTOR:
            return self.fail(
                422, "شماره گیرنده نامعتبر است", "400-2", {recipients_key: ["نامعتبر"]}
            )
        fields: dict[str, Any] = {"sender": str(data["from_number"]), "cost": PRICE}
        if kind == "pattern":
            if not data.get("code") or data.get("code") == UNAPPROVED_TEMPLATE:
                return self.fail(422, "الگو یافت نشد", "400-2", {"code": ["یافت نشد"]})
            params = dict(data.get("params") or {})
            if ending == BAD_TOKEN:
                first = next(iter(params), "value")
                return self.fail(
                    422, "مقدار متغیر نامعتبر است", "400-2", {f"params.{first}": ["نامعتبر"]}
                )
            fields.update(template=str(data["code"]), params=params)
        else:
            fields.update(text=str(data.get("message") or ""))
        if ending == NO_CREDIT or self.context.out_of_credit(type(self).__name__.lower()):
            fields.update(status=FAILED, no_credit=True)
        message = self.context.outbox.add("ippanel", recipient, request=request.record(), **fields)
        return self.ok({"message_outbox_ids": [message.id]})

    def bulk(self, message: FakeMessage) -> dict[str, Any]:
        """A bulk as report/by_bulk and report/new_list show it."""
        if message.no_credit:
            state, state_id = "failed", 8  # the docs list state_id 8, not its `state` word
        elif message.status == QUEUED:
            state, state_id = "queue", 5
        else:
            state, state_id = "finish", 6
        return {
            "messages_outbox_id": str(message.id),
            "number": message.sender,
            "state": state,
            "state_id": state_id,
            "rcpts_count": "1",
            "exit_count": "1",
            "message": message.text or message.template,
            "cost": message.cost,
            "time_send": str(int(message.created)),
        }

    def by_bulk(self, message_id: str) -> Response:
        """report/by_bulk?messages_outbox_id=…"""
        found = self.context.outbox.find("ippanel", message_id)
        if found is None:
            return self.fail(404, "یافت نشد", "404-1")
        return self.ok(self.bulk(found))

    def recipients(self, message_id: str) -> Response:
        """report/recipients?bulk_id=…: empty until the bulk is final."""
        found = self.context.outbox.find("ippanel", message_id)
        rows = []
        if found and found.status != QUEUED and not found.no_credit:
            rows.append(
                {
                    "recipient": found.recipient,
                    "message": found.text or "",
                    "is_readable": True,
                    "msg_parts": "1",
                    "message_status": IPPANEL_RECIPIENT_CODES[found.status],
                }
            )
        return self.ok(rows, current_page=1, last_page=1, per_page=10, total=len(rows))
