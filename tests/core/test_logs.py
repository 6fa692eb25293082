"""The log formatter keeps one event on one line (khedmat.core.logs, ASVS 7.3.1)."""

from __future__ import annotations

import logging
import logging.config
from typing import cast

from django.conf import settings

from khedmat.core.logs import OneLineFormatter, one_line


def record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("khedmat.test", logging.WARNING, __file__, 1, message, args, None)


def test_a_forged_line_break_stays_on_the_line() -> None:
    formatter = OneLineFormatter("%(levelname)s %(message)s")
    text = formatter.format(
        record("login locked for %r", "x\n2026-12-05 INFO fake: admin logged in")
    )
    assert "\n" not in text
    assert text.startswith("WARNING login locked for ")
    assert "\\n2026-12-05 INFO fake" in text


def test_other_control_characters_are_escaped() -> None:
    assert one_line("a\rb\x1b[31mc\u2028d\x00e\tf") == "a\\rb\\x1b[31mc\\u2028d\\x00e\tf"


def test_a_traceback_keeps_its_lines_each_marked() -> None:
    formatter = OneLineFormatter("%(message)s")
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        entry = record("failed")
        entry.exc_info = sys.exc_info()
    lines = formatter.format(entry).splitlines()
    assert lines[0] == "failed"
    assert all(line.startswith("  | ") for line in lines[1:])
    assert lines[-1] == "  | ValueError: boom"


def test_the_settings_use_it() -> None:
    formatters = cast(dict[str, dict[str, str]], settings.LOGGING["formatters"])
    assert formatters["plain"]["()"] == "khedmat.core.logs.OneLineFormatter"
    handler = logging.getLogger().handlers
    assert any(isinstance(item.formatter, OneLineFormatter) for item in handler)
