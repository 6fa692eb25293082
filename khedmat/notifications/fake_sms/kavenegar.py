"""Kavenegar at /v1/{key}/{scope}/{method}.json: form bodies, a return/entries envelope."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from khedmat.notifications.fake_sms.common import (
    NATIONAL,
    PRICE,
    UNAPPROVED_TEMPLATE,
    Context,
    server_error,
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

KAVENEGAR_CODES = {QUEUED: 1, DELIVERED: 10, UNDELIVERED: 11, BLOCKED: 14, FAILED: 6}
KAVENEGAR_TOKEN_FORBIDDEN = re.compile(r"[\s_\u200c،,]")


@dataclass
class Kavenegar:
    """Kavenegar's envelope: {"return": {"status", "message"}, "entries": [...]}."""

    context: Context

    def reply(self, status: int, message: str, entries: Any = None) -> Response:
        """The envelope with the same HTTP status as return.status."""
        return Response(
            status, {"return": {"status": status, "message": message}, "entries": entries}
        )

    def entry(self, message: FakeMessage) -> dict[str, Any]:
        """One message as sms/send and sms/status list it."""
        return {
            "messageid": message.id,
            "message": message.text or "",
            "status": KAVENEGAR_CODES[message.status],
            "statustext": message.status,
            "sender": message.sender,
            "receptor": message.recipient,
            "date": int(message.created),
            "cost": message.cost,
        }

    def handle(self, request: Request, key: str, scope: str, method: str) -> Response:
        """Route one call."""
        if key != self.context.api_key:
            return self.reply(403, "API-Key معتبر نیست")
        form = request.form()
        if (scope, method) == ("sms", "send"):
            return self.send(request, form)
        if (scope, method) == ("verify", "lookup"):
            return self.lookup(request, form)
        if (scope, method) == ("sms", "status"):
            ids = [part for part in form.get("messageid", "").split(",") if part]
            entries = []
            for message_id in ids:
                found = self.context.outbox.find("kavenegar", message_id)
                entries.append(
                    self.entry(found)
                    if found
                    else {
                        "messageid": int(message_id) if message_id.isdigit() else message_id,
                        "status": 100,
                        "statustext": "شناسه نامعتبر",
                    }
                )
            return self.reply(200, "تایید شد", entries)
        if (scope, method) == ("account", "info"):
            entry = {
                "remaincredit": self.context.credit,
                "expiredate": 1893456000,
                "type": "Master",
            }
            return self.reply(200, "تایید شد", entry)
        return self.reply(404, "متد نامعتبر")

    def refuse(self, receptor: str) -> Response | None:
        """Injected and real refusals common to send and lookup."""
        ending = last_four(receptor)
        if ending == SLOW:
            self.context.stall()
        if ending == SERVER_ERROR:
            return server_error()
        if ending == BUSY:
            return self.reply(409, "سرور قادر به پاسخگوئی نیست")
        if not NATIONAL.match(receptor) or ending == INVALID_RECEPTOR:
            return self.reply(411, "گیرنده نامعتبر است")
        if ending == NO_CREDIT or self.context.out_of_credit(type(self).__name__.lower()):
            return self.reply(418, "اعتبار حساب شما کافی نیست")
        return None

    def send(self, request: Request, form: dict[str, str]) -> Response:
        """sms/send: one receptor; the same localid returns the first message again."""
        receptor = form.get("receptor", "")
        refused = self.refuse(receptor)
        if refused:
            return refused
        text_ = form.get("message", "")
        limit = 612 if text_.isascii() else 268
        if not text_ or len(text_) > limit:
            return self.reply(413, "طول پیام نامعتبر است")
        local_id = form.get("localid") or None
        if local_id:
            earlier = self.context.outbox.find_local("kavenegar", local_id)
            if earlier:
                return self.reply(200, "تایید شد", [self.entry(earlier)])
        message = self.context.outbox.add(
            "kavenegar",
            receptor,
            sender=form.get("sender", ""),
            text=text_,
            local_id=local_id,
            cost=PRICE,
            request=request.record(),
        )
        return self.reply(200, "تایید شد", [self.entry(message)])

    def lookup(self, request: Request, form: dict[str, str]) -> Response:
        """verify/lookup: tokens may not hold spaces, newlines, underscores or separators (431)."""
        receptor = form.get("receptor", "")
        refused = self.refuse(receptor)
        if refused:
            return refused
        template = form.get("template", "")
        if not template or template == UNAPPROVED_TEMPLATE:
            return self.reply(424, "الگوی مورد نظر پیدا نشد یا هنوز تائید نشده است")
        tokens = {
            name: form[name]
            for name in ("token", "token2", "token3", "token10", "token20")
            if name in form
        }
        spaced = any(KAVENEGAR_TOKEN_FORBIDDEN.search(value) for value in tokens.values())
        if spaced or last_four(receptor) == BAD_TOKEN:
            return self.reply(431, "ساختار کد صحیح نمی‌باشد")
        message = self.context.outbox.add(
            "kavenegar",
            receptor,
            template=template,
            params=tokens,
            cost=PRICE,
            request=request.record(),
        )
        return self.reply(200, "تایید شد", [self.entry(message)])
