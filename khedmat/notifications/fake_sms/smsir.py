"""SMS.ir v1 at /v1/...: X-API-KEY header, status 1 for success.

It refuses only with codes of the table the adapter cites (providers/smsir.py): 10 key (HTTP
401), 20 too many requests (HTTP 429), 101 line, 102 no credit, 103 empty text, 104 mobile, 107
empty list, 111 unknown id, 113 template, 114 template value, 115 blacklisted mobile (send/verify);
a blacklisted mobile in send/bulk is accepted with a 0 in `messageIds`, as the docs describe.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from khedmat.notifications.fake_sms.common import (
    NATIONAL,
    UNAPPROVED_TEMPLATE,
    Context,
    server_error,
)
from khedmat.notifications.fake_sms.outbox import (
    BAD_TOKEN,
    BLACKLISTED,
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
from khedmat.notifications.fake_sms.wire import Request, Response, text

SMSIR_CODES = {QUEUED: None, DELIVERED: 1, UNDELIVERED: 2, BLOCKED: 7, FAILED: 6}


@dataclass
class Smsir:
    """SMS.ir v1: `X-API-KEY`, replies {"status" (1 ok), "message", "data"}."""

    context: Context

    def reply(self, code: int, message: str, data: Any = None, http: int | None = None) -> Response:
        """A reply; logical errors are HTTP 400, the key 401, throttling 429."""
        status = http or (200 if code == 1 else 400)
        return Response(status, {"status": code, "message": message, "data": data})

    def handle(self, request: Request, rest: str) -> Response:
        """Route one call."""
        if request.headers.get("x-api-key") != self.context.api_key:
            return self.reply(10, "کلید وب سرویس نامعتبر است", http=401)
        if (request.method, rest) == ("POST", "/send/verify"):
            return self.verify(request)
        if (request.method, rest) == ("POST", "/send/bulk"):
            return self.bulk(request)
        if (request.method, rest) == ("GET", "/credit"):
            return self.reply(1, "موفق", self.context.credit)
        if request.method == "GET" and rest.startswith("/send/"):
            found = self.context.outbox.find("smsir", rest.removeprefix("/send/"))
            if found is None:
                return self.reply(111, "پیامی با این شناسه ارسال نشده است")
            return self.reply(
                1,
                "موفق",
                {
                    "messageId": found.id,
                    "mobile": found.recipient,
                    "messageText": found.text,
                    "sendDateTime": int(found.created),
                    "lineNumber": found.sender,
                    "cost": found.cost,
                    "deliveryState": SMSIR_CODES[found.status],
                    "deliveryDateTime": None if found.status == QUEUED else int(time.time()),
                },
            )
        return text(404, "Not Found")

    def refuse(self, mobile: str, *, bulk: bool = False) -> Response | None:
        """Injected and real refusals of a mobile (send/bulk accepts a blacklisted one)."""
        ending = last_four(mobile)
        if ending == SLOW:
            self.context.stall()
        if ending == SERVER_ERROR:
            return server_error()
        if ending == BUSY:
            return self.reply(20, "تعداد درخواست بیش از حد مجاز است", http=429)
        if not NATIONAL.match(mobile) or ending == INVALID_RECEPTOR:
            return self.reply(104, "شماره موبایل نامعتبر است")
        if ending == NO_CREDIT or self.context.out_of_credit(type(self).__name__.lower()):
            return self.reply(102, "اعتبار کافی نمی‌باشد")
        if ending == BLACKLISTED and not bulk:
            return self.reply(115, "شماره موبایل در لیست سیاه قرار دارد")
        return None

    def verify(self, request: Request) -> Response:
        """send/verify: mobile, templateId, parameters [{name, value}]."""
        data = request.json() or {}
        mobile = str(data.get("mobile") or "")
        refused = self.refuse(mobile)
        if refused:
            return refused
        template = str(data.get("templateId") or "")
        if not template or template == UNAPPROVED_TEMPLATE:
            return self.reply(113, "قالب یافت نشد")
        if last_four(mobile) == BAD_TOKEN:
            return self.reply(114, "مقدار پارامتر بیش از ۲۵ کاراکتر است")
        params = {str(p.get("name")): str(p.get("value")) for p in data.get("parameters") or []}
        message = self.context.outbox.add(
            "smsir", mobile, template=template, params=params, cost=1, request=request.record()
        )
        return self.reply(1, "موفق", {"messageId": message.id, "cost": message.cost})

    def bulk(self, request: Request) -> Response:
        """send/bulk: lineNumber, messageText, mobiles (one here)."""
        data = request.json() or {}
        if not data.get("lineNumber"):
            return self.reply(101, "شماره خط نامعتبر میباشد")
        if not data.get("messageText"):
            return self.reply(103, "متن پیام خالی است")
        mobiles = data.get("mobiles") or []
        if not mobiles:
            return self.reply(107, "لیست موبایل ها خالی میباشد")
        refused = self.refuse(str(mobiles[0]), bulk=True)
        if refused:
            return refused
        if last_four(str(mobiles[0])) == BLACKLISTED:
            return self.reply(1, "موفق", {"packId": "pack-0", "messageIds": [0], "cost": 0})
        message = self.context.outbox.add(
            "smsir",
            str(mobiles[0]),
            sender=str(data["lineNumber"]),
            text=str(data["messageText"]),
            cost=1,
            request=request.record(),
        )
        return self.reply(
            1,
            "موفق",
            {"packId": f"pack-{message.id}", "messageIds": [message.id], "cost": message.cost},
        )
