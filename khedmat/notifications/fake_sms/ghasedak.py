"""Ghasedak at /Rest/api/v1/WebService/{Method}: ApiKey header, IsSuccess/StatusCode envelope.

It refuses only with codes of the table the adapter cites (providers/ghasedak.py): 400 input
invalid (a bad receptor or template value), 401 key, 402 the server cannot answer (busy), 418 no
credit, 428 template not valid. The send replies carry what the official SDKs read
(ghasedaksms-php's SingleMessageResponseDTO, OtpMessageResponseDTO: no status, totalCost).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from khedmat.notifications.fake_sms.common import (
    NATIONAL,
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

GHASEDAK_CODES = {QUEUED: 2, DELIVERED: 14, UNDELIVERED: 13, BLOCKED: 15, FAILED: 16}


@dataclass
class Ghasedak:
    """Ghasedak's envelope: {"IsSuccess", "StatusCode", "Message", "Data"}."""

    context: Context

    def reply(self, code: int, message: str, data: Any = None, http: int | None = None) -> Response:
        """An envelope; errors travel as HTTP 400 (401 for the key) with the code inside."""
        status = http or (200 if code == 200 else 401 if code == 401 else 400)
        body = {"IsSuccess": code == 200, "StatusCode": code, "Message": message, "Data": data}
        return Response(status, body)

    def handle(self, request: Request, method: str) -> Response:
        """Route one call."""
        if request.headers.get("apikey") != self.context.api_key:
            return self.reply(401, "کد شناسایی معتبر نمی‌باشد یا حساب کاربری فعال نمی‌باشد")
        routes = {
            "sendsinglesms": self.send,
            "sendotpsms": self.send_otp,
            "checksmsstatus": self.check_status,
            "getaccountinformation": self.account,
        }
        route = routes.get(method.lower())
        return route(request) if route else text(404, "Not Found")

    def refuse(self, receptor: str) -> Response | None:
        """Injected and real refusals of a receptor."""
        ending = last_four(receptor)
        if ending == SLOW:
            self.context.stall()
        if ending == SERVER_ERROR:
            return server_error()
        if ending == BUSY:
            return self.reply(402, "در حال حاضر سرور قادر به پاسخگویی نیست")
        if not NATIONAL.match(receptor) or ending == INVALID_RECEPTOR:
            return self.reply(400, "پارامترهای ورودی صحیح نمی‌باشد یا گیرنده وارد نشده است")
        if ending == NO_CREDIT or self.context.out_of_credit(type(self).__name__.lower()):
            return self.reply(418, "اعتبار شما کافی نمی‌باشد")
        return None

    def item(self, message: FakeMessage) -> dict[str, Any]:
        """A message as the send replies list it (no status: the SDKs' DTOs have none)."""
        return {
            "Receptor": message.recipient,
            "LineNumber": message.sender,
            "Cost": message.cost,
            "MessageId": str(message.id),
            "ClientReferenceId": message.local_id,
            "Message": message.text,
            "SendDate": today(),
        }

    def send(self, request: Request) -> Response:
        """SendSingleSMS."""
        data = request.json() or {}
        receptor = str(data.get("receptor") or data.get("Receptor") or "")
        refused = self.refuse(receptor)
        if refused:
            return refused
        message = self.context.outbox.add(
            "ghasedak",
            receptor,
            sender=str(data.get("lineNumber") or ""),
            text=str(data.get("message") or ""),
            local_id=data.get("clientReferenceId"),
            cost=PRICE,
            request=request.record(),
        )
        return self.reply(200, "با موفقیت انجام شد", self.item(message))

    def send_otp(self, request: Request) -> Response:
        """SendOtpSMS: one receptor, a template name and Inputs."""
        data = request.json() or {}
        receptors = data.get("receptors") or [{}]
        receptor = str(receptors[0].get("mobile", ""))
        refused = self.refuse(receptor)
        if refused:
            return refused
        template = str(data.get("templateName") or "")
        if not template or template == UNAPPROVED_TEMPLATE:
            return self.reply(428, "قالب پیام نامعتبر می‌باشد")
        if last_four(receptor) == BAD_TOKEN:
            return self.reply(400, "پارامترهای ورودی صحیح نمی‌باشد")
        params = {
            str(item.get("param")): str(item.get("value")) for item in data.get("inputs") or []
        }
        message = self.context.outbox.add(
            "ghasedak",
            receptor,
            template=template,
            params=params,
            local_id=receptors[0].get("clientReferenceId"),
            cost=PRICE,
            request=request.record(),
        )
        body = {
            "LineNumber": "30005088",
            "MessageBody": template,
            "Items": [self.item(message)],
            "TotalCost": message.cost,
        }
        return self.reply(200, "با موفقیت انجام شد", body)

    def check_status(self, request: Request) -> Response:
        """CheckSmsStatus?Ids=…&Type=1 (message ids) or Type=2 (client reference ids)."""
        by_reference = request.arg("Type") == "2"
        items = []
        for wanted in request.query.get("Ids", []):
            found = (
                self.context.outbox.find_local("ghasedak", wanted)
                if by_reference
                else self.context.outbox.find("ghasedak", wanted)
            )
            if found:
                items.append(
                    {
                        "MessageId": str(found.id),
                        "ClientReferenceId": found.local_id,
                        "Message": found.text,
                        "LineNumber": found.sender,
                        "Receptor": found.recipient,
                        "Status": GHASEDAK_CODES[found.status],
                        "Price": found.cost,
                        "SendDate": today(),
                    }
                )
        return self.reply(200, "با موفقیت انجام شد", items)

    def account(self, request: Request) -> Response:
        """GetAccountInformation."""
        data = {
            "Credit": self.context.credit,
            "ExpireDate": "2030-01-01T00:00:00+03:30",
            "Plan": "نقره ای",
        }
        return self.reply(200, "با موفقیت انجام شد", data)
