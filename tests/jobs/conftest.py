"""Helpers for the job tests: worker subprocesses on the test database, in-process workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import pytest
from django.db import connection

from khedmat.jobs.worker import KhedmatWorker

REPO = Path(__file__).resolve().parents[2]
KHEDMAT = Path(sys.executable).parent / "khedmat"

T = TypeVar("T")


def database_url() -> str:
    """DATABASE_URL of the test database this test process is connected to."""
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    auth = quote(params.get("USER") or "")
    if params.get("PASSWORD"):
        auth += ":" + quote(params["PASSWORD"])
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{params['NAME']}"


def worker_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(),
        DJANGO_SETTINGS_MODULE="khedmat.settings",
        KHEDMAT_SECRET_KEY="test-secret-key-not-for-production-use-0123456789",
        KHEDMAT_ALLOWED_HOSTS="localhost",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    )
    env.update(extra)
    return env


def wait_for(
    predicate: Callable[[], T | None], *, timeout: float = 20.0, what: str = "condition"
) -> T:
    """Poll until `predicate()` is truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


class WorkerProcesses:
    """Starts `khedmat worker` subprocesses and always kills them at the end of the test."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: dict[int, Path] = {}

    def output(self, process: subprocess.Popen[bytes]) -> str:
        """What the worker printed so far (for assertion messages)."""
        return self.logs[process.pid].read_text(errors="replace")

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = self.log_dir / f"worker-{len(self.processes) + 1}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [str(KHEDMAT), "worker", "--no-reload", "--no-startup-delay", *args],
                cwd=REPO,
                env=env or worker_env(),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        self.logs[process.pid] = log
        self.processes.append(process)
        return process

    def run_batch(self, *args: str, timeout: float = 60) -> str:
        """Run `khedmat worker --batch` to completion; return its output."""
        process = self.start("--batch", "--interval", "0", *args)
        code = process.wait(timeout=timeout)
        output = self.output(process)
        assert code == 0, output
        return output

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture
def worker_processes(transactional_db: None, tmp_path: Path) -> Iterator[WorkerProcesses]:
    processes = WorkerProcesses(tmp_path)
    try:
        yield processes
    finally:
        processes.stop_all()


def make_worker(**overrides: Any) -> KhedmatWorker:
    """An in-process worker: batch mode, no tick and no startup delay unless overridden."""
    options: dict[str, Any] = {
        "queue_names": ["default"],
        "interval": 0,
        "batch": True,
        "backend_name": "default",
        "startup_delay": False,
        "max_tasks": None,
        "worker_id": f"test-{uuid.uuid4().hex[:12]}",
        "excluded_queue_names": [],
        "tick": False,
    }
    options.update(overrides)
    return KhedmatWorker(**options)
