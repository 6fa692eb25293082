"""IPPanel Edge at /v1/api/...: bare Authorization header, data/meta replies."""

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
from khedmat.notifications.fake_sms.wire import Request, Response

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
        ending = last_four(recipient)
        if ending == SLOW:
            self.context.stall()
        if ending == SERVER_ERROR:
            return server_error()
        if ending == BUSY:
            return self.fail(429, "تعداد درخواست بیش از حد مجاز است", "429-1")
        if not INTERNATIONAL.match(recipient) or ending == INVALID_RECEPTOR:
            return self.fail(422, "شماره گیرنده نامعتبر است", "400-2", {"recipients": ["نامعتبر"]})
        if ending == NO_CREDIT or self.context.out_of_credit(type(self).__name__.lower()):
            return self.fail(422, "اعتبار کافی نیست", "400-2", {"credit": ["اعتبار کافی نیست"]})
        fields: dict[str, Any] = {"sender": str(data["from_number"]), "cost": PRICE}
        if kind == "pattern":
            if not data.get("code") or data.get("code") == UNAPPROVED_TEMPLATE:
                return self.fail(422, "الگو یافت نشد", "400-2", {"code": ["یافت نشد"]})
            if ending == BAD_TOKEN:
                return self.fail(422, "مقدار متغیر نامعتبر است", "400-2", {"params": ["نامعتبر"]})
            fields.update(template=str(data["code"]), params=dict(data.get("params") or {}))
        else:
            fields.update(text=str(data.get("message") or ""))
        message = self.context.outbox.add("ippanel", recipient, request=request.record(), **fields)
        return self.ok({"message_outbox_ids": [message.id]})

    def bulk(self, message: FakeMessage) -> dict[str, Any]:
        """A bulk as report/by_bulk and report/new_list show it."""
        return {
            "messages_outbox_id": str(message.id),
            "number": message.sender,
            "state": "finish" if message.status != QUEUED else "queue",
            "state_id": 5 if message.status == QUEUED else 6,
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
        if found and found.status != QUEUED:
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
