"""`khedmat serve` and `khedmat demo` as real processes."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KHEDMAT_", "DJANGO_", "DATABASE_URL"))
    }
    env.update(
        KHEDMAT_SECRET_KEY="s" * 50,
        KHEDMAT_ALLOWED_HOSTS="127.0.0.1",
        KHEDMAT_HTTPS="0",
        KHEDMAT_HOME=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path}/demo.sqlite3",
        KHEDMAT_STAFF_2FA="optional",
        KHEDMAT_SMS_ALLOW_LOCAL_BACKENDS="1",  # as demo.sh: SMS go to the console
    )
    env.update(extra)
    return env


def get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback only
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class Output:
    """A child's output (stdout and stderr), read line by line by a thread: the test waits on a
    condition the reader signals, for a line or for the end, not on the clock."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: list[str] = []
        self.ended = False
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self.ended = True
            self._changed.notify_all()

    def text(self) -> str:
        with self._changed:
            return "".join(self.lines)

    def wait_for(self, *texts: str, seconds: float) -> None:
        """Until each text has appeared in a line; fails when the output ends or time runs out."""

        def seen() -> bool:
            return all(any(text in line for line in self.lines) for text in texts)

        with self._changed:
            self._changed.wait_for(lambda: seen() or self.ended, seconds)
            assert seen(), f"{texts} not in the output:\n{''.join(self.lines)}"

    def wait_for_end(self, seconds: float) -> str:
        """Until every process holding the output's write end has exited; all it wrote."""
        self._reader.join(seconds)
        assert not self._reader.is_alive(), f"still writing after {seconds} s:\n{self.text()}"
        return self.text()


def test_serve_runs_gunicorn_on_loopback(tmp_path):
    port = free_port()
    env = clean_env(tmp_path)
    subprocess.run(
        [sys.executable, "-m", "khedmat", "migrate", "-v0"],
        env=env,
        cwd=REPO,
        check=True,
        timeout=120,
    )
    subprocess.run(
        [sys.executable, "-m", "khedmat", "collectstatic", "--noinput", "-v0"],
        env=env,
        cwd=REPO,
        check=True,
        timeout=120,
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "khedmat",
            "serve",
            "--port",
            str(port),
            "--workers",
            "2",
            "--no-access-log",
        ],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert server.stdout is not None
    output = Output(server.stdout)
    try:
        # Once gunicorn listens, a request waits in the socket's backlog for a booted worker.
        output.wait_for(f"Listening at: http://127.0.0.1:{port}", seconds=30)
        status, body = get(f"http://127.0.0.1:{port}/healthz", timeout=30)
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        status, body = get(f"http://127.0.0.1:{port}/")
        assert status == 200
        assert b'dir="rtl"' in body
        stylesheet = re.search(
            rb'href="(/static/vendor/bootstrap/bootstrap\.rtl\.min\.[0-9a-f]{12}\.css)"', body
        )
        assert stylesheet is not None  # hashed name from the manifest: cacheable forever
        status, css = get(f"http://127.0.0.1:{port}{stylesheet.group(1).decode()}")
        assert status == 200
        assert len(css) > 100_000
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_demo_serves_with_a_worker_and_ctrl_c_stops_the_whole_tree(tmp_path):
    port = free_port()
    demo = subprocess.Popen(
        [sys.executable, "-m", "khedmat", "demo", "--port", str(port)],
        env=clean_env(tmp_path),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert demo.stdout is not None
    output = Output(demo.stdout)
    try:
        # gunicorn listens (requests wait for a booted worker) and the job worker has registered
        # its heartbeat (it logs "Starting worker" after): /readyz has all it checks.
        output.wait_for(
            f"Listening at: http://127.0.0.1:{port}", "Starting worker worker_id=", seconds=90
        )
        status, body = get(f"http://127.0.0.1:{port}/readyz", timeout=30)
        assert status == 200, body
        assert json.loads(body)["checks"] == {"database": "ok", "migrations": "ok", "worker": "ok"}
        assert get(f"http://127.0.0.1:{port}/admin/login/")[0] in {200, 302}
        os.killpg(demo.pid, signal.SIGINT)
        demo.wait(timeout=30)
        # The end of the output: every process of the tree has exited (each held the pipe).
        text = output.wait_for_end(seconds=30)
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
    assert "admin" in text and "Khedmat-Admin-1405" in text
    assert "Fake agency (inquiries to other agencies): http://127.0.0.1:" in text
    assert "Fake office automation (letters): http://127.0.0.1:" in text
    leftovers = subprocess.run(
        ["pgrep", "-g", str(demo.pid)], capture_output=True, text=True, check=False
    )
    assert leftovers.stdout.strip() == ""
    with pytest.raises(OSError):
        get(f"http://127.0.0.1:{port}/healthz", timeout=1)


def test_demo_data_loads_twice_without_duplicates(tmp_path):
    env = clean_env(tmp_path)
    first = subprocess.run(
        [sys.executable, "-m", "khedmat", "demo", "--no-serve"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    second = subprocess.run(
        [sys.executable, "-m", "khedmat", "demo", "--no-serve"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    assert "supervisor" in first.stdout
    assert first.stdout == second.stdout
    count = subprocess.run(
        [
            sys.executable,
            "-m",
            "khedmat",
            "shell",
            "-c",
            "from khedmat.accounts.models import User; print(User.objects.count())",
        ],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert count.stdout.strip().splitlines()[-1] == "7"  # the five personas and the two IT agents
