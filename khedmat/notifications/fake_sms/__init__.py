"""A fake SMS provider server for tests and the demo (requirements §3.6).

Speaks Kavenegar, Ghasedak, IPPanel Edge, Magfa and SMS.ir at their documented paths on
127.0.0.1, stores every message, and misbehaves for numbers ending in 0418 (no credit),
0411 (invalid receptor), 0431 (template value rejected), 0409 (busy), 0500 (HTTP 500),
0408 (answers after the client's timeout), 0014 (blocked after /_advance), 0011 (undelivered
after /_advance) and, at SMS.ir only, 0115 (blacklisted). Each provider refuses with the reply
shape its documentation gives (the adapters in providers/ cite the sources); IPPanel Edge
documents no refusal for lack of credit, so it accepts such a send and reports the bulk failed
with state_id 8.
"""

from khedmat.notifications.fake_sms.server import (
    BASE_PATHS,
    FAKE_API_KEY,
    FAKE_CREDIT,
    FAKE_DOMAIN,
    FAKE_PASSWORD,
    FAKE_USERNAME,
    SENDERS,
    FakeSmsApp,
    FakeSmsServer,
)

__all__ = [
    "BASE_PATHS",
    "FAKE_API_KEY",
    "FAKE_CREDIT",
    "FAKE_DOMAIN",
    "FAKE_PASSWORD",
    "FAKE_USERNAME",
    "SENDERS",
    "FakeSmsApp",
    "FakeSmsServer",
]
