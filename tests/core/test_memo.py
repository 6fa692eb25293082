from __future__ import annotations

from khedmat.core.memo import LocalMemo


def test_entries_expire_after_their_seconds() -> None:
    memo: LocalMemo[bytes] = LocalMemo(size=10, seconds=5)
    memo.set("a", b"1", now=100.0)

    assert memo.get("a", now=104.9) == b"1"
    assert memo.get("a", now=105.0) is None
    assert len(memo) == 0  # an expired entry is dropped when met


def test_the_least_recently_used_entry_goes_first() -> None:
    memo: LocalMemo[int] = LocalMemo(size=2, seconds=60)
    memo.set("a", 1, now=0)
    memo.set("b", 2, now=0)
    memo.get("a", now=1)  # a is now the most recent
    memo.set("c", 3, now=2)

    assert memo.get("b", now=3) is None
    assert memo.get("a", now=3) == 1
    assert memo.get("c", now=3) == 3
