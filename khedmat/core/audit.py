"""The tamper-evident audit trail: Activity rows chained by hash, checked, and anchored outside.

Inserting an Activity row costs nothing more than before: rows are written with `seq` NULL and
the sealer (`seal_pending`, every minute from the tick, and `khedmat seal_audit`) chains them
afterwards, in id order, under a lock that lets one sealer run at a time: each row gets the next
`seq`, the hash of the row before it (`prev_hash`, GENESIS for the first) and its own hash,
sha256(prev_hash + the canonical text of its content). A row committed late (a lower id seen after
a higher one was sealed) simply gets a later seq: the chain's order is seq, not id.

On PostgreSQL a trigger (core migration 0006) refuses DELETE, TRUNCATE and any UPDATE but the
seal of an unsealed row; `maintenance()` lets a transaction through (demo data, tests). The
trigger stops mistakes; what finds a deliberate change is `verify_chain` (a changed row, a broken
link, a missing seq) and the anchors: the chain head written to another store
(STORAGES["audit_anchors"]) at most every KHEDMAT_AUDIT_ANCHOR_MINUTES, so a rewritten or
truncated tail no longer matches an anchor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import connection, transaction
from django.utils import timezone

from khedmat.core.models import Activity

#: The prev_hash of the first row of the chain.
GENESIS = "0" * 64
#: pg_advisory_xact_lock key of the sealer ("khedmat audit" in spirit; any fixed bigint).
SEALER_LOCK = 0x6B6864_4175_6474
#: Rows sealed (or checked) per transaction / query.
BATCH = 500
#: At most this many batches per tick; `khedmat seal_audit` seals everything.
TICK_BATCHES = 200
#: The session setting the trigger reads: "on" lets UPDATE, DELETE and TRUNCATE through,
#: "truncate" only TRUNCATE (the test suite's flush between transactional tests).
MAINTENANCE_SETTING = "khedmat.audit_maintenance"


# --- the hash ---------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A JSON value with numbers as both databases give them back: a float with no fraction is
    an integer (PostgreSQL's jsonb keeps 1e20 as 100000000000000000000 and 1.0 as 1.0)."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(Decimal(repr(value)))
    return value


def canonical_json(value: Any) -> str:
    """One text for one value: sorted keys, no spaces, UTF-8 characters as they are."""
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _moment(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_content(row: Activity) -> str:
    """The canonical text of what a row says (everything but its place in the chain)."""
    target_type = ContentType.objects.get_for_id(row.target_type_id)
    return canonical_json(
        {
            "id": row.pk,
            "target_type": f"{target_type.app_label}.{target_type.model}",
            "target_id": row.target_id,
            "verb": row.verb,
            "actor": row.actor_id,
            "old_value": row.old_value,
            "new_value": row.new_value,
            "data": row.data,
            "is_public": row.is_public,
            "created_at": _moment(row.created_at),
        }
    )


def row_hash(prev_hash: str, row: Activity) -> str:
    """sha256 (hex) of the previous row's hash followed by this row's canonical content."""
    return hashlib.sha256((prev_hash + row_content(row)).encode()).hexdigest()


# --- the trigger's way around -----------------------------------------------------------------


@contextmanager
def maintenance() -> Iterator[None]:
    """Let the block change or delete Activity rows despite the trigger (PostgreSQL; nothing to
    do on SQLite). For demo data and tests only: a change to a sealed row breaks the chain."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [MAINTENANCE_SETTING])
        row = cursor.fetchone()
        previous = (row[0] if row else "") or ""
        cursor.execute("SELECT set_config(%s, 'on', true)", [MAINTENANCE_SETTING])
        try:
            yield
        finally:
            cursor.execute("SELECT set_config(%s, %s, true)", [MAINTENANCE_SETTING, previous])


# --- sealing ----------------------------------------------------------------------------------


def _lock_sealer() -> None:
    """One sealer at a time: an advisory lock on PostgreSQL; SQLite's transactions already take
    the write lock when they begin (transaction_mode IMMEDIATE, khedmat.config)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEALER_LOCK])


def chain_head() -> tuple[int, str]:
    """(seq, hash) of the last sealed row; (0, GENESIS) before the first."""
    head = (
        Activity.objects.filter(seq__isnull=False)
        .order_by("-seq")
        .values_list("seq", "hash")
        .first()
    )
    if head is None or head[0] is None:
        return (0, GENESIS)
    return (int(head[0]), str(head[1]))


def seal_pending(*, batch: int = BATCH) -> int:
    """Chain the oldest unsealed rows (at most `batch`) in one transaction; returns how many."""
    with transaction.atomic():
        _lock_sealer()
        pending = list(Activity.objects.filter(seq__isnull=True).order_by("id")[:batch])
        if not pending:
            return 0
        seq, previous = chain_head()
        for row in pending:
            seq += 1
            row.seq, row.prev_hash = seq, previous
            row.hash = previous = row_hash(previous, row)
        Activity.objects.bulk_update(pending, ["seq", "prev_hash", "hash"])
    return len(pending)


def seal_all(*, batch: int = BATCH, max_batches: int | None = None) -> int:
    """Seal batch after batch until none is pending (or `max_batches` ran); returns rows sealed."""
    sealed, batches = 0, 0
    while max_batches is None or batches < max_batches:
        done = seal_pending(batch=batch)
        sealed, batches = sealed + done, batches + 1
        if done < batch:
            break
    return sealed


# --- anchors ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """The chain head as written to the anchor store."""

    seq: int
    hash: str
    at: dt.datetime
    count: int
    name: str = ""


def anchor_storage() -> Storage:
    return storages["audit_anchors"]


def _day_folder(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d")


def _anchor_names(storage: Storage, days: Sequence[str]) -> list[str]:
    names: list[str] = []
    for day in days:
        try:
            _folders, files = storage.listdir(day)
        except FileNotFoundError:
            continue
        names.extend(f"{day}/{name}" for name in files if name.endswith(".json"))
    return sorted(names)


def read_anchor(storage: Storage, name: str) -> Anchor:
    with storage.open(name, "rb") as stored:
        data = json.loads(stored.read().decode())
    return Anchor(
        seq=int(data["seq"]),
        hash=str(data["hash"]),
        at=dt.datetime.fromisoformat(str(data["at"])),
        count=int(data["count"]),
        name=name,
    )


def latest_anchors(storage: Storage | None = None, *, limit: int = 3) -> list[Anchor]:
    """The newest anchors, newest first (the store keeps one folder per UTC day)."""
    storage = storage or anchor_storage()
    try:
        days = sorted(storage.listdir("")[0], reverse=True)
    except FileNotFoundError:
        return []
    anchors: list[Anchor] = []
    for day in days:
        for name in reversed(_anchor_names(storage, [day])):
            anchors.append(read_anchor(storage, name))
            if len(anchors) >= limit:
                return anchors
    return anchors


def _last_anchor(storage: Storage, now: dt.datetime) -> Anchor | None:
    """The newest anchor of today or yesterday (an older one is due anyway)."""
    days = [_day_folder(now - dt.timedelta(days=1)), _day_folder(now)]
    names = _anchor_names(storage, days)
    return read_anchor(storage, names[-1]) if names else None


def write_anchor(
    *, now: dt.datetime | None = None, storage: Storage | None = None
) -> Anchor | None:
    """Write the chain head to the anchor store as a new file (never over another); None when
    the chain is empty or its head is the last anchor's."""
    now, storage = now or timezone.now(), storage or anchor_storage()
    return _write_anchor(now, storage, _last_anchor(storage, now))


def _write_anchor(now: dt.datetime, storage: Storage, last: Anchor | None) -> Anchor | None:
    seq, head_hash = chain_head()
    if seq == 0 or (last is not None and last.seq == seq):
        return None
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    name = f"{_day_folder(now)}/anchor-{stamp}-{seq}.json"
    if storage.exists(name):
        return None  # never overwrite an anchor (an S3 store may be set to overwrite)
    body = {"seq": seq, "hash": head_hash, "at": now.astimezone(dt.UTC).isoformat(), "count": seq}
    saved = storage.save(name, ContentFile(canonical_json(body).encode()))
    return Anchor(seq=seq, hash=head_hash, at=now, count=seq, name=saved)


def anchor_if_due(
    *, now: dt.datetime | None = None, storage: Storage | None = None
) -> Anchor | None:
    """Write an anchor when the last one is older than KHEDMAT_AUDIT_ANCHOR_MINUTES."""
    now, storage = now or timezone.now(), storage or anchor_storage()
    last = _last_anchor(storage, now)
    every = dt.timedelta(minutes=settings.KHEDMAT_AUDIT_ANCHOR_MINUTES)
    if last is not None and now - last.at < every:
        return None
    return _write_anchor(now, storage, last)


def seal_and_anchor() -> None:
    """The tick's handler: seal what is pending (bounded per tick), then anchor when due."""
    seal_all(max_batches=TICK_BATCHES)
    anchor_if_due()


# --- verification -----------------------------------------------------------------------------


@dataclass
class Problem:
    """The first thing wrong with the chain: where, and what kind of break."""

    kind: str  # "content", "link", "gap", "anchor", "unsealed"
    seq: int | None
    row_id: int | None
    detail: str = ""


@dataclass
class ChainReport:
    """What verify_chain found: rows checked, the head, and problems (the first break first)."""

    checked: int = 0
    head_seq: int = 0
    unsealed: int = 0
    stale_unsealed: int = 0
    anchors_checked: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def _first_break(*, batch: int) -> tuple[int, int, Problem | None]:
    """Walk the chain by seq, one batch per query; (rows checked, head seq, first problem)."""
    checked, expected, previous = 0, 1, GENESIS
    rows = Activity.objects.filter(seq__isnull=False).order_by("seq")
    while True:
        page = list(rows.filter(seq__gte=expected)[:batch])
        for row in page:
            seq = int(row.seq or 0)
            if seq != expected:
                return (
                    checked,
                    expected - 1,
                    Problem("gap", expected, None, f"{expected}-{seq - 1}"),
                )
            if row.prev_hash != previous:
                return checked, seq, Problem("link", seq, row.pk)
            if row_hash(previous, row) != row.hash:
                return checked, seq, Problem("content", seq, row.pk)
            checked, expected, previous = checked + 1, seq + 1, str(row.hash)
        if len(page) < batch:
            return checked, expected - 1, None


def _anchor_problems(anchors: Sequence[Anchor]) -> list[Problem]:
    """An anchored head must still be in the chain with the anchored hash."""
    problems = []
    for anchor in anchors:
        row = Activity.objects.filter(seq=anchor.seq).values_list("pk", "hash").first()
        if row is None:
            problems.append(Problem("anchor", anchor.seq, None, anchor.name))
        elif row[1] != anchor.hash:
            problems.append(Problem("anchor", anchor.seq, row[0], anchor.name))
    return problems


def verify_chain(
    *,
    now: dt.datetime | None = None,
    batch: int = 1000,
    anchors: Sequence[Anchor] | None = None,
) -> ChainReport:
    """Recompute the chain from the first row: the first broken link, anchors that no longer
    match, and rows left unsealed longer than KHEDMAT_AUDIT_UNSEALED_MINUTES."""
    now = now or timezone.now()
    report = ChainReport()
    report.checked, report.head_seq, problem = _first_break(batch=batch)
    if problem is not None:
        report.problems.append(problem)
    anchors = latest_anchors() if anchors is None else anchors
    report.anchors_checked = len(anchors)
    report.problems.extend(_anchor_problems(anchors))
    unsealed = Activity.objects.filter(seq__isnull=True)
    report.unsealed = unsealed.count()
    limit = now - dt.timedelta(minutes=settings.KHEDMAT_AUDIT_UNSEALED_MINUTES)
    stale = unsealed.filter(created_at__lt=limit).order_by("id").values_list("pk", flat=True)
    report.stale_unsealed = stale.count()
    if report.stale_unsealed:
        report.problems.append(Problem("unsealed", None, stale.first(), str(report.stale_unsealed)))
    return report
