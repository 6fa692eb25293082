"""Health probes for load balancers and orchestrators (DESIGN.md §6)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from khedmat.jobs.queries import latest_worker_heartbeat


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive; touches nothing else."""
    return JsonResponse({"status": "ok"})


_migrations_applied = False


def pending_migrations() -> int:
    """Migrations this code has that the database lacks. Once none, the answer is kept: a running
    process cannot gain migrations, so probes stop reading the migration files from disk."""
    global _migrations_applied
    if _migrations_applied:
        return 0
    executor = MigrationExecutor(connection)
    pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    _migrations_applied = pending == 0
    return pending


@login_not_required
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Database reachable, migrations applied, a worker seen in the last two minutes."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
        pending = pending_migrations()
        checks["migrations"] = "ok" if not pending else f"{pending} pending"
        seen = latest_worker_heartbeat()
        fresh = seen is not None and timezone.now() - seen <= dt.timedelta(minutes=2)
        checks["worker"] = "ok" if fresh else "no worker seen in the last two minutes"
    except DatabaseError as error:
        checks["database"] = f"unreachable: {type(error).__name__}"
    ready = all(value == "ok" for value in checks.values()) and len(checks) == 3
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )
