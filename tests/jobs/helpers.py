"""Helpers of the job tests: what a task in a worker process tells the test, and a gate it waits at."""

from __future__ import annotations

import fcntl
import socket
import tempfile
from pathlib import Path


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
