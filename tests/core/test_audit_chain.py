"""The audit trail's hash chain (khedmat.core.audit): sealing, verification, anchors, and the
PostgreSQL trigger that keeps core_activity append-only."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from khedmat.core import audit
from khedmat.core.models import Activity
from khedmat.core.services import record_activity
from khedmat.jobs.tick import tick_handler_names

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="the append-only trigger exists on PostgreSQL only (SQLite's flush deletes rows and "
    "it has no session setting to let maintenance through)",
)


@pytest.fixture
def target():
    return get_user_model().objects.create_user("target", password="x-long-password-2")


@pytest.fixture
def rows(target):
    """Five Activity rows, sealed."""
    made = [record_activity(target, f"user.step_{n}", data={"n": n}) for n in range(5)]
    assert audit.seal_all() == 5
    return [Activity.objects.get(pk=row.pk) for row in made]


@pytest.fixture
def anchors(tmp_path):
    return FileSystemStorage(location=tmp_path / "anchors")


def _sql(statement: str, params: list) -> None:
    """Change core_activity directly, as someone with database access would (past the trigger)."""
    with audit.maintenance(), connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_new_rows_are_written_unsealed(target):
    row = record_activity(target, "user.created")
    row.refresh_from_db()
    assert (row.seq, row.prev_hash, row.hash) == (None, None, None)


def test_sealing_chains_rows_in_id_order(rows):
    assert [row.seq for row in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == audit.GENESIS
    for before, row in itertools.pairwise(rows):
        assert row.prev_hash == before.hash
    for row in rows:
        expected = hashlib.sha256((row.prev_hash + audit.row_content(row)).encode()).hexdigest()
        assert row.hash == expected
    assert audit.chain_head() == (5, rows[-1].hash)
    assert audit.seal_all() == 0


def test_sealing_goes_batch_by_batch(target):
    for n in range(7):
        record_activity(target, f"user.step_{n}")
    assert audit.seal_pending(batch=3) == 3
    assert Activity.objects.filter(seq__isnull=True).count() == 4
    assert audit.seal_all(batch=3) == 4
    assert audit.verify_chain(anchors=[]).checked == 7


def test_a_row_committed_late_gets_a_later_seq(rows, target):
    lower_id = rows[0].pk - 1  # an id handed out before the sealed ones, committed after them
    late = Activity.objects.create(
        id=lower_id, target_type_id=rows[0].target_type_id, target_id="9", verb="user.late"
    )
    assert audit.seal_all() == 1
    late.refresh_from_db()
    assert (late.seq, late.prev_hash) == (6, rows[-1].hash)
    assert audit.verify_chain(anchors=[]).intact


def test_the_canonical_content_is_the_same_text_on_every_database(target):
    row = record_activity(
        target,
        "user.changed",
        old={"b": 1.0, "a": [1e20, 0.1, -2.5e-7, None, True]},
        new='سلام \u200c"quoted"',
        data={"z": {"y": 3, "x": "é"}, "big": 2**60},
    )
    Activity.objects.filter(pk=row.pk)  # read back: jsonb on PostgreSQL, text on SQLite
    stored = Activity.objects.get(pk=row.pk)
    moment = stored.created_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    expected = (
        '{"actor":null,"created_at":"' + moment + '",'
        '"data":{"big":1152921504606846976,"z":{"x":"é","y":3}},'
        f'"id":{row.pk},"is_public":false,'
        '"new_value":"سلام \u200c\\"quoted\\"",'
        '"old_value":{"a":[100000000000000000000,0.1,-2.5e-07,null,true],"b":1},'
        '"target_id":"' + str(target.pk) + '","target_type":"accounts.user","verb":"user.changed"}'
    )
    assert audit.row_content(stored) == expected
    assert audit.row_content(stored) == audit.row_content(row)  # as written, as read back


def test_verify_passes_on_an_intact_chain(rows):
    report = audit.verify_chain(anchors=[])
    assert report.intact
    assert (report.checked, report.head_seq, report.unsealed) == (5, 5, 0)


def test_verify_finds_a_row_altered_directly_in_the_database(rows):
    _sql("UPDATE core_activity SET verb = %s WHERE id = %s", ["user.forged", rows[2].pk])

    report = audit.verify_chain(anchors=[])

    assert not report.intact
    assert report.problems == [audit.Problem("content", 3, rows[2].pk)]
    assert report.checked == 2


def test_verify_finds_a_changed_json_value(rows):
    _sql("UPDATE core_activity SET data = %s WHERE id = %s", ['{"n": 99}', rows[1].pk])
    assert audit.verify_chain(anchors=[]).problems == [audit.Problem("content", 2, rows[1].pk)]


def test_verify_finds_a_row_whose_hash_was_recomputed_by_the_next_link(rows):
    forged = Activity.objects.get(pk=rows[2].pk)
    forged.verb = "user.forged"
    new_hash = audit.row_hash(forged.prev_hash or "", forged)
    _sql(
        "UPDATE core_activity SET verb = %s, hash = %s WHERE id = %s",
        ["user.forged", new_hash, rows[2].pk],
    )
    assert audit.verify_chain(anchors=[]).problems == [audit.Problem("link", 4, rows[3].pk)]


def test_verify_finds_a_deleted_row(rows):
    _sql("DELETE FROM core_activity WHERE id = %s", [rows[1].pk])
    report = audit.verify_chain(anchors=[])
    assert report.problems == [audit.Problem("gap", 2, None, "2-2")]
    assert report.checked == 1


def test_verify_finds_a_tail_cut_after_an_anchor(rows, anchors):
    anchor = audit.write_anchor(storage=anchors)
    assert anchor is not None and (anchor.seq, anchor.hash) == (5, rows[-1].hash)

    _sql("DELETE FROM core_activity WHERE id IN (%s, %s)", [rows[3].pk, rows[4].pk])

    report = audit.verify_chain(anchors=audit.latest_anchors(anchors))
    assert report.head_seq == 3  # what is left is a consistent chain…
    assert report.problems == [audit.Problem("anchor", 5, None, anchor.name)]  # …but too short


def test_verify_finds_a_rewritten_tail_by_its_anchor(rows, anchors):
    anchor = audit.write_anchor(storage=anchors)
    assert anchor is not None
    # Rewrite the last row and its hash consistently: only the anchor can tell.
    forged = Activity.objects.get(pk=rows[4].pk)
    forged.verb = "user.forged"
    _sql(
        "UPDATE core_activity SET verb = %s, hash = %s WHERE id = %s",
        ["user.forged", audit.row_hash(forged.prev_hash or "", forged), rows[4].pk],
    )
    report = audit.verify_chain(anchors=audit.latest_anchors(anchors))
    assert report.problems == [audit.Problem("anchor", 5, rows[4].pk, anchor.name)]


def test_rows_left_unsealed_too_long_are_reported(target, settings):
    settings.KHEDMAT_AUDIT_UNSEALED_MINUTES = 10
    row = record_activity(target, "user.created")
    now = timezone.now()

    assert audit.verify_chain(now=now + dt.timedelta(minutes=9), anchors=[]).intact
    report = audit.verify_chain(now=now + dt.timedelta(minutes=11), anchors=[])

    assert report.problems == [audit.Problem("unsealed", None, row.pk, "1")]
    assert (report.unsealed, report.stale_unsealed) == (1, 1)


def test_an_anchor_is_a_new_file_and_never_overwritten(rows, anchors, settings, target):
    settings.KHEDMAT_AUDIT_ANCHOR_MINUTES = 60
    now = timezone.now()

    first = audit.anchor_if_due(now=now, storage=anchors)
    assert first is not None
    with anchors.open(first.name) as stored:
        body = json.loads(stored.read())
    assert body == {
        "seq": 5,
        "hash": rows[-1].hash,
        "at": now.astimezone(dt.UTC).isoformat(),
        "count": 5,
    }

    record_activity(target, "user.more")
    audit.seal_all()
    assert audit.anchor_if_due(now=now + dt.timedelta(minutes=59), storage=anchors) is None
    second = audit.anchor_if_due(now=now + dt.timedelta(minutes=61), storage=anchors)
    assert second is not None and second.seq == 6 and second.name != first.name
    # Nothing new in the chain: no new anchor, even when one is due.
    assert audit.anchor_if_due(now=now + dt.timedelta(minutes=200), storage=anchors) is None

    assert [anchor.seq for anchor in audit.latest_anchors(anchors)] == [6, 5]
    with anchors.open(first.name) as stored:
        assert json.loads(stored.read()) == body  # the first file is untouched


def test_the_tick_seals_and_anchors(target, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "audit_anchors": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "tick-anchors")},
        },
    }
    assert "khedmat.core.audit.seal_and_anchor" in tick_handler_names()
    record_activity(target, "user.created")

    audit.seal_and_anchor()

    assert Activity.objects.filter(seq__isnull=True).count() == 0
    assert [anchor.seq for anchor in audit.latest_anchors()] == [1]


def test_verify_audit_command_exits_zero_with_counts(rows, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "audit_anchors": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "cmd-anchors")},
        },
    }
    call_command("seal_audit", stdout=(out := _Out()))
    assert "Sealed 0 rows; the chain holds 5." in out.text
    call_command("verify_audit", stdout=(out := _Out()), stderr=_Out())
    assert out.text.strip() == (
        "Audit trail intact. 5 rows checked up to seq 5; 0 not sealed yet; 1 anchor(s) checked."
    )


def test_verify_audit_command_reports_the_first_broken_link_and_fails(rows, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "audit_anchors": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "none")},
        },
    }
    _sql("UPDATE core_activity SET actor_id = NULL, verb = %s WHERE id = %s", ["x.y", rows[3].pk])
    err = _Out()
    with pytest.raises(SystemExit) as exited:
        call_command("verify_audit", stdout=_Out(), stderr=err)
    assert exited.value.code == 1
    assert err.text.splitlines()[0] == f"Row {rows[3].pk} (seq 4) was changed after it was sealed."


class _Out:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


# --- the trigger (PostgreSQL) -----------------------------------------------------------------


def _refused(statement: str, params: list) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, params)
    except DatabaseError as error:
        assert "append-only" in str(error)
        return True
    return False


@on_postgresql
def test_the_trigger_refuses_update_delete_and_truncate(rows, target):
    unsealed = record_activity(target, "user.pending")
    assert _refused("UPDATE core_activity SET verb = 'x.y' WHERE id = %s", [rows[0].pk])
    assert _refused("UPDATE core_activity SET seq = 99 WHERE id = %s", [rows[0].pk])
    assert _refused("DELETE FROM core_activity WHERE id = %s", [rows[0].pk])
    assert _refused("DELETE FROM core_activity WHERE id = %s", [unsealed.pk])
    # Before the seal, only the seal itself: not a change of content on the way.
    assert _refused(
        "UPDATE core_activity SET seq = 6, prev_hash = 'a', hash = 'b', verb = 'x.y' WHERE id = %s",
        [unsealed.pk],
    )
    assert Activity.objects.count() == 6
    assert audit.seal_all() == 1  # the seal is allowed
    assert audit.verify_chain(anchors=[]).intact


@on_postgresql
def test_the_trigger_refuses_truncate():
    # (No row written in this test: PostgreSQL refuses TRUNCATE on pending foreign-key checks.)
    with connection.cursor() as cursor:  # the test connections let TRUNCATE through: not here
        cursor.execute("SELECT set_config('khedmat.audit_maintenance', '', true)")
    assert _refused("TRUNCATE core_activity", [])


@on_postgresql
def test_maintenance_lets_changes_through_and_ends_with_its_block(rows):
    with audit.maintenance():
        Activity.objects.filter(pk=rows[0].pk).update(verb="user.fixed")
    assert _refused("UPDATE core_activity SET verb = 'x.y' WHERE id = %s", [rows[1].pk])


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_sealers_at_once_build_one_chain(target):
    """The advisory lock: sealers running together take turns; each row is sealed once."""
    import threading

    for n in range(60):
        record_activity(target, f"user.step_{n}")
    start = threading.Barrier(2)
    sealed: list[int] = []
    errors: list[BaseException] = []

    def seal() -> None:
        try:
            start.wait()
            sealed.append(audit.seal_all(batch=7))
        except BaseException as error:  # noqa: BLE001  (reported by the assertion below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=seal) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(sealed) == 60
    report = audit.verify_chain(anchors=[])
    assert report.intact and report.checked == 60
