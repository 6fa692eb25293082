"""SMS throughput through the real outbox, job worker and provider adapter (notifications, jobs).

Run: .venv/bin/python bench/bench_notifications.py [--messages 2000] [--workers 1,2]
     [--databases sqlite,postgresql] [--provider kavenegar] [--rounds 1] [--backlog]
     [--pg postgresql://postgres@127.0.0.1:5432]

For each database and worker count (a fresh child process and a fresh database each: a SQLite
file in a temporary folder, or `khedmat_bench_notifications_<pid>` on --pg), the script migrates,
starts the fake SMS providers (`khedmat fake_sms_server`) and `--workers` × `khedmat worker`
(production settings, the provider's adapter pointed at the fake), waits for their heartbeats,
then queues `--messages` transactional SMS to distinct numbers, one transaction each, through
`notifications.services.queue_message` (the rules, the Message row, its Activity row and its
delivery job) while the workers drain them: claim, `deliver_message` over HTTP to the provider,
the outcome and its Activity row. The provider's acceptance time of each message is the fake's
own timestamp. With --backlog every message is queued first and the workers start after.

Printed per configuration: messages/s from the first enqueue to the last acceptance by the
provider (the headline), the enqueue rate alone, the drain rate (from when both the queueing and
the workers had started), p50/p95 latency from a message's commit to its acceptance, and the
messages' final statuses. The exit status is 0 unless the set-up failed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]

from bench_submission import free_port, percentile, stop_server  # noqa: E402

HOST = "127.0.0.1"
TEXT = "درخواست شما با کد رهگیری ۱۴۰۵۰۱۲۳۴۵۶۷ ثبت شد. سامانه خدمت"
# Number endings that make the fake providers misbehave (khedmat.notifications.fake_sms.outbox).
MISBEHAVING = {"0418", "0411", "0431", "0409", "0500", "0408", "0014", "0011"}


def recipients(count: int) -> list[str]:
    """`count` distinct mobiles the fakes accept (one each: no per-recipient rate limit)."""
    found: list[str] = []
    number = 0
    while len(found) < count:
        number += 1
        if f"{number:07d}"[-4:] not in MISBEHAVING:
            found.append(f"+98935{number:07d}")
    return found


# --- one configuration (a child process) -------------------------------------------------------


def environment(database_url: str, provider: str, fake_port: int, scratch: Path) -> dict[str, str]:
    from khedmat.notifications.fake_sms import (
        BASE_PATHS,
        FAKE_API_KEY,
        FAKE_DOMAIN,
        FAKE_PASSWORD,
        FAKE_USERNAME,
        SENDERS,
    )

    prefix = f"KHEDMAT_SMS_{provider.upper()}_"
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "khedmat.settings",
        "KHEDMAT_DEBUG": "0",
        "KHEDMAT_SECRET_KEY": secrets.token_urlsafe(40),
        "KHEDMAT_ALLOWED_HOSTS": f"{HOST},localhost",
        "KHEDMAT_LOG_LEVEL": "WARNING",
        "KHEDMAT_MEDIA_ROOT": str(scratch / "media"),
        "KHEDMAT_STATIC_ROOT": str(scratch / "static"),
        "KHEDMAT_SMS_PROVIDERS": provider,
        prefix + "URL": f"http://{HOST}:{fake_port}{BASE_PATHS[provider]}",
        prefix + "API_KEY": FAKE_API_KEY,
        prefix + "SENDER": SENDERS[provider],
        prefix + "USERNAME": FAKE_USERNAME,
        prefix + "PASSWORD": FAKE_PASSWORD,
        prefix + "DOMAIN": FAKE_DOMAIN,
    }


def fake_call(port: int, method: str, path: str) -> Any:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request(method, path)
        return json.loads(connection.getresponse().read())
    finally:
        connection.close()


def start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """A server process in its own session, its output (a line per task) in `log`."""
    with log.open("ab") as output:
        return subprocess.Popen(
            argv, env=env, cwd=ROOT, stdout=output, stderr=output, start_new_session=True
        )


def wait_for(condition: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"set-up failed: {what} within {seconds:g} s")


def run_one(args: argparse.Namespace) -> dict[str, Any]:
    """Migrate a fresh database, start the fake provider and the workers, queue, drain, measure."""
    database, workers = args.one.split(":")
    scratch = Path(tempfile.mkdtemp(prefix="khedmat-bench-notifications-"))
    pg_name = None
    if database == "sqlite":
        database_url = f"sqlite:///{scratch / 'bench.sqlite3'}"
    else:
        import psycopg

        pg_name = f"khedmat_bench_notifications_{os.getpid()}"
        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{pg_name}"')
        database_url = f"{args.pg}/{pg_name}"
    fake_port = free_port()
    os.environ.update(environment(database_url, args.provider, fake_port, scratch))
    processes: list[subprocess.Popen[bytes]] = []
    khedmat = [sys.executable, "-m", "khedmat"]
    try:
        log = scratch / "servers.log"
        fake = [*khedmat, "fake_sms_server", "--port", str(fake_port)]
        processes.append(start(fake, os.environ, log))
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from khedmat.jobs.models import WorkerHeartbeat
        from khedmat.notifications.choices import Channel, MessageKind, MessageStatus
        from khedmat.notifications.models import Message
        from khedmat.notifications.services import queue_message

        call_command("migrate", verbosity=0)
        connections.close_all()
        wait_for(lambda: fake_call(fake_port, "GET", "/_outbox") == [], 60, "no fake provider")

        def start_workers() -> float:
            """Start the workers; when they all beat (time.time())."""
            processes.extend(start([*khedmat, "worker"], os.environ, log) for _ in range(count))
            beating = WorkerHeartbeat.objects.count
            wait_for(lambda: beating() >= count, 60, f"not {count} worker heartbeats")
            return time.time()

        count = int(workers)
        ready = 0.0 if args.backlog else start_workers()
        committed: dict[str, float] = {}
        began = time.time()
        for number in recipients(args.messages):
            queue_message(
                channel=Channel.SMS,
                recipient=number,
                body=TEXT,
                kind=MessageKind.TRANSACTIONAL,
                event="bench.sms",
            )
            committed[number[-10:]] = time.time()
        enqueued = time.time()
        if args.backlog:
            ready = start_workers()
        pending = Message.objects.filter(status__in=[MessageStatus.QUEUED, MessageStatus.HELD])
        wait_for(lambda: not pending.exists(), 60 + args.messages / 2, "messages still queued")
        accepted = {
            "".join(filter(str.isdigit, item["recipient"]))[-10:]: item["created"]
            for item in fake_call(fake_port, "GET", "/_outbox")
        }
        statuses = Counter(Message.objects.values_list("status", flat=True))
        if statuses.get(MessageStatus.SENT, 0) != args.messages:  # show what went wrong
            errors = [line for line in log.read_text().splitlines() if "INFO" not in line]
            print("\n".join(errors[-40:]), file=sys.stderr)
        latencies = [accepted[key] - at for key, at in committed.items() if key in accepted]
        last = max(accepted.values(), default=enqueued)
        return {
            "database": database,
            "workers": int(workers),
            "messages": args.messages,
            "accepted": len(accepted),
            "rate": len(accepted) / (last - began) if accepted else 0.0,
            "drain_rate": len(accepted) / (last - max(began, ready)) if accepted else 0.0,
            "enqueue_rate": args.messages / (enqueued - began),
            "p50": percentile(latencies, 0.5),
            "p95": percentile(latencies, 0.95),
            "statuses": dict(statuses),
        }
    finally:
        for process in reversed(processes):
            stop_server(process)
        if pg_name is not None:
            import psycopg
            from django.db import connections

            connections.close_all()
            with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        shutil.rmtree(scratch, ignore_errors=True)


# --- all configurations -----------------------------------------------------------------------


def child(args: argparse.Namespace, database: str, workers: int) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--one", f"{database}:{workers}"]
    argv += ["--messages", str(args.messages), "--provider", args.provider, "--pg", args.pg]
    argv += ["--backlog"] if args.backlog else []
    done = subprocess.run(argv, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"set-up failed: {database} with {workers} worker(s)")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--workers", default="1,2", help="worker process counts")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--provider", default="kavenegar")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--backlog",
        action="store_true",
        help="queue every message first, then start the workers (drain/s: the workers alone)",
    )
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: one configuration
    args = parser.parse_args()
    args.pg = args.pg.rstrip("/")
    if args.one:
        print(json.dumps(run_one(args)))
        return 0
    configurations = [
        (database, int(workers))
        for database in args.databases.split(",")
        for workers in args.workers.split(",")
    ]
    print(
        f"{args.messages:,} transactional SMS per run through {args.provider} (fake); "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    runs: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for number in range(args.rounds):
        for database, workers in configurations:
            result = child(args, database, workers)
            runs.setdefault((database, workers), []).append(result)
            print(
                f"round {number + 1}: {database:<10} {workers} worker(s): "
                f"{result['rate']:7.1f} msg/s (enqueue {result['enqueue_rate']:6.1f}/s, "
                f"drain {result['drain_rate']:6.1f}/s) "
                f"p50 {result['p50']:.2f} s  statuses {result['statuses']}",
                flush=True,
            )
    print(
        f"\n{'database':<10} {'workers':>7} {'msg/s':>8} {'enqueue/s':>9} {'drain/s':>8} "
        f"{'p50 s':>7} {'p95 s':>7}  accepted"
    )
    for (database, workers), results in runs.items():
        print(
            f"{database:<10} {workers:>7} {statistics.median(r['rate'] for r in results):8.1f} "
            f"{statistics.median(r['enqueue_rate'] for r in results):9.1f} "
            f"{statistics.median(r['drain_rate'] for r in results):8.1f} "
            f"{statistics.median(r['p50'] for r in results):7.2f} "
            f"{statistics.median(r['p95'] for r in results):7.2f}  "
            f"{min(r['accepted'] for r in results):,} of {args.messages:,}"
        )
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
