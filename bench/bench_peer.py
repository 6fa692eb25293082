"""Khedmat side by side with django-helpdesk 2.6.1, the nearest Python peer (DESIGN.md §7).

Run: .venv/bin/python bench/bench_peer.py [--records 10000] [--rounds 3] [--duration 8]
     [--clients 1,8] [--workers 2] [--threads 4] [--scenarios minimal,form,api,track]
     [--peer-venv /tmp/khedmat-peer-venv] [--pg postgresql://postgres@127.0.0.1:5432] [--keep]

The peer runs from its own virtualenv (made and filled with pip on first use; Django, gunicorn
and psycopg at Khedmat's versions), as a minimal Django project (bench/peer/peer_site) on its own
PostgreSQL database. Both databases get `--records` existing tickets/requests; both servers run
gunicorn with the same workers and threads, DEBUG off, no worker recycling. One load tool
(bench/peer/load.py: a process per client, one keep-alive connection each) drives both at each
`--clients` count, interleaved: for every scenario the two sides run back to back, and which goes
first alternates from round to round. Scenarios: bench/peer/scenarios.py.

Printed: operations/s per side (median of the rounds), ours/peer, each side's share of its own
minimal view, p50 latency, errors; then the DESIGN.md §7 budgets (at the largest client count)
as PASS/FAIL. The exit status is 0 unless the set-up failed (a missed budget is not a failure).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]

import bench_submission  # noqa: E402
from peer import helpdesk_side, load, ours, scenarios  # noqa: E402

HOST = "127.0.0.1"
SIDES = ("peer", "ours")
SCENARIOS = ("minimal", "form", "api", "track")
SUBMIT_SHARE = 0.20  # DESIGN.md §7: submission >= 20 % of the minimal view
TRACK_SHARE = 0.50  # tracking >= 50 % of the minimal view
PEER_USERS = 8


# --- databases --------------------------------------------------------------------------------


def create_databases(pg: str, names: list[str]) -> None:
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')


def drop_databases(pg: str, names: list[str]) -> None:
    import psycopg
    from django.apps import apps

    if apps.ready:  # Django was set up (Khedmat's seed): close its connections first
        from django.db import connections

        connections.close_all()
    with psycopg.connect(f"{pg}/postgres", autocommit=True) as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the runs ---------------------------------------------------------------------------------


Results = dict[tuple[str, int, str], list[load.Result]]


def operations(
    peer_info: dict, applicants: list, codes: list, peer_pages: list[str]
) -> dict[str, dict[str, load.Operation]]:
    sessions = peer_info["sessions"]
    queue = peer_info["queue"]
    return {
        "minimal": {
            "peer": scenarios.Minimal("/bench/version"),
            "ours": scenarios.Minimal("/api/v1/version"),
        },
        "form": {"peer": scenarios.PeerForm(queue), "ours": scenarios.OursForm(applicants)},
        "api": {"peer": scenarios.PeerApi(queue, sessions), "ours": scenarios.OursApi(applicants)},
        "track": {"peer": scenarios.PeerTrack(peer_pages), "ours": scenarios.OursTrack(codes)},
    }


def smoke(ops: dict[str, dict[str, load.Operation]], ports: dict[str, int]) -> None:
    """Each operation once on each side before timing anything: a failure is a set-up error."""
    for scenario, sides in ops.items():
        for side, operation in sides.items():
            try:
                load.smoke(operation, ports[side])
            except (load.Failure, OSError) as error:
                raise helpdesk_side.SetupError(f"{side} {scenario}: {error}") from error


def measure(
    args: argparse.Namespace,
    ops: dict[str, dict[str, load.Operation]],
    ports: dict[str, int],
    tokens: dict[str, list],
) -> Results:
    results: Results = {}
    for number in range(args.rounds):
        order = SIDES if number % 2 == 0 else SIDES[::-1]
        for clients in args.clients:
            for scenario in args.scenarios:
                for side in order:
                    result = load.run(
                        ops[scenario][side],
                        ports[side],
                        clients,
                        duration=args.duration,
                        warmup=args.warmup,
                    )
                    results.setdefault((scenario, clients, side), []).append(result)
                    if scenario == "form" or (side == "ours" and scenario == "api"):
                        tokens[side] += result.tokens
                    errors = f"  errors {dict(result.errors)}" if result.errors else ""
                    print(
                        f"round {number + 1}: {clients} client(s) {scenario:<7} {side:<4} "
                        f"{result.rate:8.1f}/s{errors}",
                        flush=True,
                    )
    return results


def rate(results: Results, scenario: str, clients: int, side: str) -> float | None:
    runs = results.get((scenario, clients, side))
    return statistics.median(run.rate for run in runs) if runs else None


def p50_ms(results: Results, scenario: str, clients: int, side: str) -> float:
    runs = results.get((scenario, clients, side), [])
    return 1000 * load.percentile([value for run in runs for value in run.latencies], 0.5)


def share(part: float | None, whole: float | None) -> str:
    return f"{part / whole:6.1%}" if part is not None and whole else "     -"


def report(args: argparse.Namespace, results: Results) -> None:
    print(
        "\nmedian of the rounds (ops/s; a form operation is GET + POST); p50 in ms; "
        "'of min' = share of the same server's minimal view"
    )
    print(
        f"{'clients':>7} {'scenario':<8} {'peer/s':>8} {'ours/s':>8} {'ours/peer':>9} "
        f"{'peer of min':>11} {'ours of min':>11} {'peer p50':>8} {'ours p50':>8}  errors"
    )
    for clients in args.clients:
        floor = {side: rate(results, "minimal", clients, side) for side in SIDES}
        for scenario in args.scenarios:
            peer, our = (rate(results, scenario, clients, side) for side in SIDES)
            errors = {
                side: sum(
                    (run.errors for run in results.get((scenario, clients, side), [])), Counter()
                )
                for side in SIDES
            }
            shown = ", ".join(f"{side} {dict(found)}" for side, found in errors.items() if found)
            ratio = f"{our / peer:8.2f}x" if peer and our is not None else "        -"
            print(
                f"{clients:>7} {scenario:<8} {peer or 0:8.1f} {our or 0:8.1f} {ratio} "
                f"{share(peer, floor['peer']):>11} {share(our, floor['ours']):>11} "
                f"{p50_ms(results, scenario, clients, 'peer'):8.1f} "
                f"{p50_ms(results, scenario, clients, 'ours'):8.1f}  {shown}"
            )
    clients = max(args.clients)
    floor = rate(results, "minimal", clients, "ours")
    print(f"\nDESIGN.md §7 budgets ({clients} clients, ours against our own minimal view):")
    for scenario, label, target in (
        ("api", "submission (API)", SUBMIT_SHARE),
        ("track", "tracking (API)", TRACK_SHARE),
    ):
        measured = rate(results, scenario, clients, "ours")
        if measured is None or not floor:
            print(f"  {label} >= {target:.0%} of the minimal view: not measured")
            continue
        verdict = "PASS" if measured >= target * floor else "FAIL"
        print(
            f"  {label} >= {target:.0%} of the minimal view: {verdict} "
            f"({measured:,.1f}/s = {measured / floor:.1%} of {floor:,.0f}/s)"
        )
    peer, our = rate(results, "api", clients, "peer"), rate(results, "api", clients, "ours")
    if peer and our is not None:
        print(
            f"  (informative) submission through the API: {our / peer:.2f}x the peer (DESIGN: ~6x)"
        )


# --- main -------------------------------------------------------------------------------------


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000, help="existing tickets per side")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=8.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--clients", default="1,8", help="client counts, comma-separated")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (both)")
    parser.add_argument("--users", type=int, default=200, help="Khedmat applicants")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--peer-venv", type=Path, default=Path(tempfile.gettempdir()) / "khedmat-peer-venv"
    )
    parser.add_argument("--keep", action="store_true", help="keep both databases")
    args = parser.parse_args()
    args.clients = [int(value) for value in args.clients.split(",")]
    args.scenarios = [value for value in args.scenarios.split(",") if value]
    if unknown := set(args.scenarios) - set(SCENARIOS):
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    if "minimal" not in args.scenarios:
        args.scenarios.insert(0, "minimal")  # every share is of the minimal view
    args.pg = args.pg.rstrip("/")
    return args


def main() -> int:
    args = parse()
    # Sessions are signed with the secret key: the one the sessions are made with serves them.
    os.environ["KHEDMAT_SECRET_KEY"] = secrets.token_urlsafe(40)
    peer_secret = secrets.token_urlsafe(40)
    scratch = Path(tempfile.mkdtemp(prefix="khedmat-bench-peer-"))
    names = {side: f"khedmat_bench_peer_{side}_{os.getpid()}" for side in SIDES}
    urls = {side: f"{args.pg}/{name}" for side, name in names.items()}
    servers: dict = {}
    created: list[str] = []
    try:
        python = helpdesk_side.ensure_venv(args.peer_venv)
        create_databases(args.pg, list(names.values()))
        created = list(names.values())
        env = helpdesk_side.environment(urls["peer"], scratch, peer_secret)
        peer_info = helpdesk_side.seed(python, env, records=args.records, users=PEER_USERS)
        applicants, codes = ours.prepare(urls["ours"], users=args.users, records=args.records)
        from django.db import connections

        connections.close_all()  # the clients are forked: no connection crosses the fork
        ports = {side: bench_submission.free_port() for side in SIDES}
        servers["peer"] = helpdesk_side.start_server(
            python, env, port=ports["peer"], workers=args.workers, threads=args.threads
        )
        servers["ours"] = ours.start_server(args, urls["ours"], scratch, ports["ours"])
        pages = [
            f"/view/?ticket={ticket}&email={quote(email)}&key={key}"
            for ticket, email, key in peer_info["tickets"]
        ]
        tokens = {"peer": pages, "ours": codes}
        ops = operations(peer_info, applicants, codes, pages)
        smoke(ops, ports)
        print(
            f"PostgreSQL; {args.records:,} records a side; gunicorn {args.workers} workers x "
            f"{args.threads} threads each (peer :{ports['peer']}, ours :{ports['ours']}); "
            f"{args.rounds} rounds of {args.duration:g} s (+{args.warmup:g} s warm-up) per run; "
            f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        results = measure(args, ops, ports, tokens)
        report(args, results)
        for side, server in servers.items():
            rss = ", ".join(f"{size:.0f}" for size in bench_submission.worker_rss_mb(server))
            print(f"{side} worker memory (RSS, MB): {rss}")
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    except helpdesk_side.SetupError as error:
        print(f"set-up failed: {error}", file=sys.stderr)
        return 2
    finally:
        for server in servers.values():
            bench_submission.stop_server(server)
        if args.keep and created:
            print(f"kept: {' '.join(urls.values())}")
        elif created:
            drop_databases(args.pg, created)
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
