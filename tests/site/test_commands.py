"""`khedmat serve` and `khedmat demo` as real processes."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

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


def wait_for(url: str, status: int, seconds: float) -> tuple[int, bytes]:
    deadline = time.monotonic() + seconds
    last: tuple[int, bytes] = (0, b"")
    while time.monotonic() < deadline:
        try:
            last = get(url)
            if last[0] == status:
                return last
        except OSError:
            pass
        time.sleep(0.3)
    return last


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
    )
    try:
        status, body = wait_for(f"http://127.0.0.1:{port}/healthz", 200, 30)
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
    try:
        status, body = wait_for(f"http://127.0.0.1:{port}/readyz", 200, 90)
        assert status == 200, body
        assert json.loads(body)["checks"] == {"database": "ok", "migrations": "ok", "worker": "ok"}
        assert get(f"http://127.0.0.1:{port}/admin/login/")[0] in {200, 302}
        os.killpg(demo.pid, signal.SIGINT)
        demo.wait(timeout=30)
        output = demo.stdout.read() if demo.stdout else ""
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
    assert "admin" in output and "Khedmat-Admin-1405" in output
    assert "Fake agency (inquiries to other agencies): http://127.0.0.1:" in output
    assert "Fake office automation (letters): http://127.0.0.1:" in output
    time.sleep(0.5)
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
    assert count.stdout.strip().splitlines()[-1] == "5"
