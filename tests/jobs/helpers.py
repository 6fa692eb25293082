"""Helpers of the job tests: what a task in a worker process tells the test, and a gate it waits at."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest


class Listener:
    """A Unix socket the tasks of worker processes report to (sample_tasks.tell): the test waits
    for a report, blocking on the socket, instead of polling for its effects."""

    def __init__(self) -> None:
        # A short directory of its own: a socket's path may not exceed about 100 bytes.
        self.directory = Path(tempfile.mkdtemp(prefix="khedmat-"))
        self.address = str(self.directory / "tasks.sock")
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._socket.bind(self.address)
        self._socket.listen(16)  # later reports wait in the backlog until received

    def receive(self, *, timeout: float = 20.0) -> str:
        """The next report, waiting at most `timeout` seconds for a task to send one."""
        self._socket.settimeout(timeout)
        connection, _address = self._socket.accept()
        with connection:
            connection.settimeout(timeout)
            chunks = []
            while chunk := connection.recv(1024):
                chunks.append(chunk)
        return b"".join(chunks).decode().strip()

    def close(self) -> None:
        self._socket.close()
        Path(self.address).unlink(missing_ok=True)
        self.directory.rmdir()


class Gate:
    """A lock file the test holds shut: sample_tasks.block_until_released waits at it (flock)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle = path.open("wb")
        fcntl.flock(self._handle, fcntl.LOCK_EX)

    def open(self) -> None:
        """Let every task waiting at the gate, and every later one, through."""
        if not self._handle.closed:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()


# --- services on this machine the broker tests need (RabbitMQ, Redis) -------------------------

#: Where the broker tests find RabbitMQ and Redis (override for another machine).
BROKER_URL = os.environ.get("KHEDMAT_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
REDIS_URL = os.environ.get("KHEDMAT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def rabbitmq_error(url: str = BROKER_URL) -> str | None:
    """Why RabbitMQ at `url` cannot be used (None when it can): connect and log in."""
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as error:  # noqa: BLE001  (any refusal means: not here)
        return f"{type(error).__name__}: {error}"
    return None


def redis_error(url: str = REDIS_URL) -> str | None:
    """Why Redis at `url` cannot be used (None when it can)."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except Exception as error:  # noqa: BLE001
        return f"{type(error).__name__}: {error}"
    return None


def require_services(**errors: str | None) -> None:
    """Skip the test when a service it needs is unreachable, naming it; under CI=true fail."""
    missing = {name: error for name, error in errors.items() if error}
    if not missing:
        return
    reason = "; ".join(f"{name} unreachable ({error})" for name, error in missing.items())
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI: {reason}; the broker tests are required under CI=true.")
    pytest.skip(f"{reason}: start it to run this test (under CI=true it fails instead).")


def delete_queues(url: str, names: list[str]) -> None:
    """Remove a test's RabbitMQ queues (they are durable and would outlive it)."""
    from kombu import Connection

    with Connection(url, connect_timeout=3) as connection:
        channel = connection.default_channel
        for name in names:
            channel.queue_delete(name)


class ProcessGroups:
    """Starts processes each in a session of its own (a worker with its pool's children, gunicorn
    with its workers), so SIGKILL takes the whole group at once, as a machine that dies would;
    every group still alive is killed at the end."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(
        self, name: str, argv: list[str], *, env: dict[str, str], cwd: Path
    ) -> subprocess.Popen[bytes]:
        with (self.log_dir / f"{name}.log").open("wb") as output:
            process = subprocess.Popen(
                argv,
                cwd=cwd,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[name] = process
        return process

    def output(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")

    def outputs(self) -> str:
        """Every process's output, for an assertion's message."""
        return "\n".join(f"--- {name} ---\n{self.output(name)[-4000:]}" for name in self.processes)

    def kill(self, name: str) -> None:
        """SIGKILL the process and everything in its group."""
        process = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def kill_all(self) -> None:
        for name in self.processes:
            self.kill(name)
