"""Tasks the job tests enqueue; importable by worker subprocesses (cwd and PYTHONPATH = repo)."""

from __future__ import annotations

import fcntl
import socket
from pathlib import Path

from django_tasks import task

from khedmat.jobs.errors import PermanentError, RetryableError


class FlakyTransportError(Exception):
    """A third-party error that says a retry can help through the `retryable` attribute."""

    retryable = True


def append_line(path: str, text: str) -> int:
    """Append one line to the file and return how many lines it now has."""
    with Path(path).open("a", encoding="utf-8") as handle:
        handle.write(f"{text}\n")
    return len(Path(path).read_text(encoding="utf-8").splitlines())


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


@task()
def record(path: str, label: str) -> str:
    append_line(path, label)
    return label


def tell(address: str, text: str) -> None:
    """Send one line to the test listening on the Unix socket at `address` (helpers.Listener)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.connect(address)
        connection.sendall(f"{text}\n".encode())


@task()
def report_running(address: str) -> str:
    """Tell the test this task runs."""
    tell(address, "running")
    return "running"


@task()
def block_until_released(path: str, address: str, gate: str) -> str:
    """Log "started" and tell the test, then wait while the test holds the lock on `gate`."""
    append_line(path, "started")
    tell(address, "started")
    with Path(gate).open("rb") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)  # blocks until helpers.Gate.open(); closing unlocks
    append_line(path, "done")
    return "done"


@task()
def fail_then_succeed(path: str, failures: int) -> int:
    attempt = append_line(path, "attempt")
    if attempt <= failures:
        raise RetryableError(f"attempt {attempt} failed")
    return attempt


@task()
def always_retryable(path: str) -> None:
    append_line(path, "attempt")
    raise RetryableError("provider still down", retry_after=0)


@task()
def fail_with_retryable_attribute(path: str) -> None:
    append_line(path, "attempt")
    raise FlakyTransportError("timeout")


@task()
def fail_permanently(path: str) -> None:
    append_line(path, "attempt")
    raise PermanentError("rejected by the provider")


@task()
def fail_ordinarily(path: str) -> None:
    append_line(path, "attempt")
    raise ValueError("a bug")


@task()
def exit_process(path: str) -> None:
    append_line(path, "attempt")
    raise SystemExit(1)
