"""Where a submission's time goes: cProfile of N submissions through the API, in one process.

Run: .venv/bin/python bench/profile_submission.py [--count 200] [--sqlite] [--sort cumulative]
     [--track]   (profile POST /api/v1/requests/track instead)

Makes a throwaway database as bench_submission.py does (PostgreSQL by default), then posts
`--count` submissions with Django's test client (the whole stack: middleware, the API, the use
case) under cProfile and prints the top functions and the queries per submission.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_submission as bench  # noqa: E402


def track_all(codes: list[tuple[str, str]], args: argparse.Namespace) -> None:
    """Profile POST /api/v1/requests/track over the requests filed while preparing."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()

    def track(code: str, national: str) -> None:
        body = json.dumps({"tracking_code": code, "national_code": national})
        response = client.post("/api/v1/requests/track", body, content_type="application/json")
        assert response.status_code == 200, response.content[:300]

    track(*codes[0])
    time_baseline()
    if args.cold:
        profile_track(codes, track, args)  # each request's first look-up in this process
    for label in ("first", "again"):
        started = time.perf_counter()
        for code, national in codes[2:]:
            track(code, national)
        plain = (time.perf_counter() - started) / (len(codes) - 2)
        print(f"without the profiler, {label}: {1000 * plain:.2f} ms per look-up")
    with CaptureQueriesContext(connection) as queries:
        track(*codes[1])
    print(f"queries per tracking: {len(queries.captured_queries)}")
    for query in queries.captured_queries:
        print("  ", query["sql"][:160])
    if not args.cold:
        profile_track(codes, track, args)


def profile_track(codes: list[tuple[str, str]], track: Any, args: argparse.Namespace) -> None:
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    for code, national in codes[2:]:
        track(code, national)
    profile.disable()
    elapsed = time.perf_counter() - started
    print(
        f"{len(codes) - 2} look-ups in {elapsed:.2f} s: {1000 * elapsed / (len(codes) - 2):.1f} ms each"
    )
    print_profile(profile, args)


def time_baseline(count: int = 500) -> None:
    """The minimal JSON view in the same process, for scale."""
    from django.test import Client

    client = Client()
    client.get("/api/v1/version")
    started = time.perf_counter()
    for _ in range(count):
        client.get("/api/v1/version")
    each = (time.perf_counter() - started) / count
    print(f"minimal view /api/v1/version: {1000 * each:.2f} ms per request")


def print_profile(profile: cProfile.Profile, args: argparse.Namespace) -> None:
    if args.dump:
        profile.dump_stats(args.dump)
    stats = pstats.Stats(profile).sort_stats(args.sort)
    if args.only:
        stats.print_stats(args.only, args.lines)
    else:
        stats.print_stats(args.lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--lines", type=int, default=45)
    parser.add_argument("--track", action="store_true", help="profile tracking instead")
    parser.add_argument(
        "--cold", action="store_true", help="with --track: profile each request's first look-up"
    )
    parser.add_argument("--only", default="", help="print only functions whose path matches")
    parser.add_argument("--dump", default="", help="also write the profile to this file")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="khedmat-profile-"))
    url, name = bench.create_database(args, scratch)
    try:
        applicants, codes = bench.prepare(url, max(args.count, 10))
        from django.db import connection, reset_queries
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        clients = []
        for applicant in applicants[: args.count]:
            client = Client(enforce_csrf_checks=True)
            client.cookies["sessionid"] = applicant.session_key
            client.cookies["csrftoken"] = applicant.csrf_token
            clients.append((client, applicant))

        def submit(client: Client, applicant: bench.Applicant) -> None:
            body = {"service_code": bench.SERVICE_CODE, "answers": bench.answers_for(applicant)}
            response = client.post(
                "/api/v1/requests/",
                json.dumps(body),
                content_type="application/json",
                headers={"X-CSRFToken": applicant.csrf_token, "Idempotency-Key": uuid.uuid4().hex},
            )
            assert response.status_code in (200, 201), response.content[:300]

        if args.track:
            track_all(codes, args)
            return
        submit(*clients[0])  # warm
        time_baseline()
        half = len(clients) // 2
        started = time.perf_counter()
        for client, applicant in clients[2:half]:
            submit(client, applicant)
        plain = (time.perf_counter() - started) / max(1, half - 2)
        print(f"without the profiler: {1000 * plain:.2f} ms per submission")
        clients = clients[:2] + clients[half:]
        with CaptureQueriesContext(connection) as queries:
            submit(*clients[1])
        print(f"queries per submission: {len(queries.captured_queries)}")
        for query in queries.captured_queries:
            print("  ", query["sql"][:160])
        reset_queries()
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        for client, applicant in clients[2:]:
            submit(client, applicant)
        profile.disable()
        elapsed = time.perf_counter() - started
        done = len(clients) - 2
        print(f"{done} submissions in {elapsed:.2f} s: {1000 * elapsed / done:.1f} ms each")
        print_profile(profile, args)
    finally:
        bench.drop_database(args, name)


if __name__ == "__main__":
    main()
