"""The log's formatter: one event, one line (ASVS 7.3.1).

A message carrying text from outside (a username, an address, a provider's answer) could hold a
line break and forge a second log line; the formatter escapes CR, LF and the other control
characters of the message, while a traceback keeps its own lines, each marked as continuing.
"""

from __future__ import annotations

import logging

_ESCAPES = {code: f"\\x{code:02x}" for code in range(32) if code not in (9,)}
_ESCAPES.update(
    {ord("\n"): "\\n", ord("\r"): "\\r", 0x7F: "\\x7f", 0x2028: "\\u2028", 0x2029: "\\u2029"}
)


def one_line(text: str) -> str:
    return text.translate(_ESCAPES)


class OneLineFormatter(logging.Formatter):
    """`logging.Formatter` whose message can never start a line of its own."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = one_line(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: object) -> str:
        text = super().formatException(ei)  # type: ignore[arg-type]
        return "\n".join(f"  | {line}" for line in text.splitlines())

    def formatStack(self, stack_info: str) -> str:
        return "\n".join(f"  | {line}" for line in stack_info.splitlines())
