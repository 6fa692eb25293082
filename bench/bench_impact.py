"""Impact analysis over 10,000 CIs and 30,000 relations on PostgreSQL.

Run: .venv/bin/python bench/bench_impact.py [--cis 10000] [--relations 30000] [--samples 30]
     [--pg postgres://postgres@127.0.0.1:5432] [--keep]

The script creates a throwaway database (`khedmat_bench_impact_<pid>` on `--pg`), migrates it and
bulk-creates an estate in layers, the way agencies' CMDBs look: 2 % services, 18 % applications,
40 % servers, 15 % databases, 10 % storage, 15 % network links. Each service depends on 3
applications, each application runs on 2 servers and depends on 1–2 databases, each database
runs on a server, each server depends on a storage array and is connected to a network link and to the core
switch (so the core switch's failure reaches nearly the whole estate: the worst case),
some storage is part of a bigger array; the rest of `--relations` are extra edges, mostly an upper
layer depending on a lower one, one in a hundred of any kind between any two CIs (cycles and
odd links included). Then `impacted_ids([ci])` and `impact_of(ci)` (what a CI's
page shows: the CIs loaded and sorted, the services, their open requests) are timed for the core
switch (the largest fan-out), a storage array, a network link, a database, a server and a leaf
service: p50/p95/max
of `--samples` calls after two warm-ups, with how many CIs were reached. The target: under 200 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_process_steps import percentile, use_database

SHARES = {
    "service": 0.02,
    "application": 0.18,
    "server": 0.40,
    "database": 0.15,
    "storage": 0.10,
    "network": 0.15,
}


def create_database(pg: str) -> str:
    import psycopg

    name = f"khedmat_bench_impact_{os.getpid()}"
    with psycopg.connect(f"{pg.rstrip('/')}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(pg: str, name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{pg.rstrip('/')}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load(total: int, relations: int, rng: random.Random) -> dict[str, list[Any]]:
    """The estate in layers; returns the CIs by type."""
    from django.core.management import call_command

    from khedmat.cmdb.choices import RelationKind as R
    from khedmat.cmdb.models import CiRelation, CiType, ConfigurationItem

    call_command("migrate", verbosity=0)
    types = {t.code: t for t in CiType.objects.all()}
    layers: dict[str, list[Any]] = {}
    for code, share in SHARES.items():
        rows = [
            ConfigurationItem(code=f"{code}-{n}", name=f"{code} {n}", ci_type=types[code])
            for n in range(max(1, int(total * share)))
        ]
        layers[code] = ConfigurationItem.objects.bulk_create(rows, batch_size=5000)
    edges: set[tuple[int, int, str]] = set()

    def add(source: Any, kind: str, target: Any) -> None:
        if source.pk != target.pk:
            edges.add((source.pk, target.pk, kind))

    apps, servers, dbs = layers["application"], layers["server"], layers["database"]
    for service in layers["service"]:
        for app in rng.sample(apps, 3):
            add(service, R.DEPENDS_ON, app)
    for app in apps:
        for server in rng.sample(servers, 2):
            add(app, R.RUNS_ON, server)
        for db in rng.sample(dbs, rng.randint(1, 2)):
            add(app, R.DEPENDS_ON, db)
    for db in dbs:
        add(db, R.RUNS_ON, rng.choice(servers))
    core = layers["network"][0]  # the core switch: every server hangs off it
    for server in servers:
        add(server, R.DEPENDS_ON, rng.choice(layers["storage"]))
        add(server, R.CONNECTED_TO, rng.choice(layers["network"][1:]))
        add(server, R.CONNECTED_TO, core)
    storage = layers["storage"]
    for part in storage[: len(storage) // 3]:
        add(part, R.PART_OF, rng.choice(storage[len(storage) // 3 :]))
    # The rest: mostly an upper layer depending on a lower one (as real estates grow), one in a
    # hundred of any kind between any two CIs (cycles and odd links included).
    order = ["service", "application", "database", "server", "storage", "network"]
    everything = [item for rows in layers.values() for item in rows]
    kinds = list(R.values)
    while len(edges) < relations:
        if rng.random() < 0.01:
            add(rng.choice(everything), rng.choice(kinds), rng.choice(everything))
            continue
        upper = rng.randrange(len(order) - 1)
        lower = rng.randrange(upper + 1, len(order))
        kind = rng.choice((R.DEPENDS_ON, R.RUNS_ON))
        add(rng.choice(layers[order[upper]]), kind, rng.choice(layers[order[lower]]))
    CiRelation.objects.bulk_create(
        (CiRelation(source_id=s, target_id=t, kind=k) for s, t, k in edges), batch_size=5000
    )
    return layers


def timed(call: Any, samples: int) -> tuple[list[float], Any]:
    result = None
    for _ in range(2):
        result = call()
    seconds = []
    for _ in range(samples):
        started = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - started)
    return seconds, result


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cis", type=int, default=10_000)
    parser.add_argument("--relations", type=int, default=30_000)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    name = create_database(args.pg)
    os.environ["DATABASE_URL"] = f"{args.pg.rstrip('/')}/{name}"
    scratch = use_database()
    try:
        from django.db import connection

        from khedmat.cmdb.impact import impact_of, impacted_ids
        from khedmat.cmdb.models import CiRelation, ConfigurationItem

        started = time.perf_counter()
        layers = load(args.cis, args.relations, random.Random(1405))  # noqa: S311 - test data, not secrets
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(
            f"{ConfigurationItem.objects.count():,} CIs, {CiRelation.objects.count():,} relations "
            f"loaded in {time.perf_counter() - started:.1f} s; PostgreSQL "
            f"{getattr(connection, 'pg_version', '?')}, "
            f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}\n"
        )
        picks = {
            "core switch": layers["network"][0],
            "storage array": layers["storage"][-1],
            "network link": layers["network"][1],
            "database": layers["database"][0],
            "server": layers["server"][0],
            "service (a leaf)": layers["service"][0],
        }
        print(
            f"{'failed CI':<18} {'call':<14} {'reached':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
        )
        worst = 0.0
        for label, item in picks.items():
            for call_name, call in (
                ("impacted_ids", lambda item=item: impacted_ids([item.pk])),
                ("impact_of", lambda item=item: impact_of(item)),
            ):
                seconds, result = timed(call, args.samples)
                reached = len(result) if isinstance(result, dict) else len(result.items)
                p95 = percentile(seconds, 0.95) * 1000
                worst = max(worst, p95)
                print(
                    f"{label:<18} {call_name:<14} {reached:>8,} "
                    f"{percentile(seconds, 0.5) * 1000:>8.1f} {p95:>8.1f} {max(seconds) * 1000:>8.1f}"
                )
        verdict = "under" if worst < 200 else "OVER"
        print(f"\nworst p95 {worst:.1f} ms: {verdict} the 200 ms target")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if args.keep:
            print(f"\nkept: DATABASE_URL={os.environ['DATABASE_URL']}")
        else:
            drop_database(args.pg, name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
