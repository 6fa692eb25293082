"""The peer's side of bench_peer.py: django-helpdesk 2.6.1 in its own virtualenv, seeded, served.

The virtualenv gets django-helpdesk from PyPI with Django, gunicorn and psycopg pinned to the
versions in Khedmat's .venv, so the two servers differ only in the application.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

PEER = "django-helpdesk"
PEER_VERSION = "2.6.1"
HERE = Path(__file__).resolve().parent
HOST = "127.0.0.1"


class SetupError(RuntimeError):
    """The peer could not be installed, seeded or started."""


def pins() -> list[str]:
    """django-helpdesk, and what it shares with Khedmat at Khedmat's versions."""
    return [
        f"{PEER}=={PEER_VERSION}",
        f"Django=={version('Django')}",
        f"gunicorn=={version('gunicorn')}",
        f"psycopg[binary]=={version('psycopg')}",
    ]


def ensure_venv(path: Path) -> Path:
    """The peer virtualenv's python; created and filled with pip when missing or different."""
    python = path / "bin" / "python"
    probe = (
        "import importlib.metadata as m; print(m.version('django-helpdesk'), m.version('Django'))"
    )
    if python.exists():
        found = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=False)
        if found.stdout.split() == [PEER_VERSION, version("Django")]:
            print(f"peer: {PEER} {PEER_VERSION} already in {path}")
            return python
    print(f"peer: installing {' '.join(pins())} into {path}")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(path)], check=True)
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    done = subprocess.run([*pip, *pins()], check=False)
    if done.returncode != 0:
        raise SetupError(f"pip could not install {PEER} {PEER_VERSION} into {path}")
    print(f"peer: installed in {time.perf_counter() - started:.0f} s")
    return python


def environment(database_url: str, scratch: Path, secret: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "peer_site.settings",
        "PEER_DATABASE_URL": database_url,
        "PEER_SECRET_KEY": secret,
        "PEER_MEDIA_ROOT": str(scratch / "peer-media"),
        "PYTHONPATH": str(HERE),
    }


def seed(python: Path, env: dict[str, str], *, records: int, users: int) -> dict[str, Any]:
    """Migrate and seed the peer's database (peer_seed.py in the peer virtualenv)."""
    done = subprocess.run(
        [python, HERE / "peer_seed.py", str(records), str(users)],
        env=env,
        cwd=HERE,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SetupError(f"peer seed failed:\n{done.stderr[-3000:]}")
    info: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"peer: migrated in {info['migrate_seconds']} s; {info['count']:,} tickets, "
        f"{users} API users with sessions in {info['seconds']} s"
    )
    return info


def start_server(
    python: Path, env: dict[str, str], *, port: int, workers: int, threads: int
) -> subprocess.Popen[bytes]:
    """gunicorn with the same options as Khedmat's server (bench_submission.start_server)."""
    argv = [
        str(python),
        "-m",
        "gunicorn",
        "peer_site.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--timeout",
        "30",
        "--graceful-timeout",
        "10",
        "--max-requests",
        "0",
        "--forwarded-allow-ips",
        "127.0.0.1",
    ]
    server = subprocess.Popen(argv, env=env, cwd=HERE, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/bench/version")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
        if server.poll() is not None:
            break
    import bench_submission

    bench_submission.stop_server(server)
    raise SetupError("the peer's gunicorn did not answer /bench/version within 60 s")
