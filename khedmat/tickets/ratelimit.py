"""Failed look-ups by tracking code (/track/, the requests API, complaints): who is refused and when.

Counts live in core.ratelimit (a database table every worker shares). Settings KHEDMAT_TRACK_*.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.conf import settings
from django.forms import Form
from django.utils.translation import ngettext

from khedmat.core import ratelimit
from khedmat.core.http import rate_limit_address

T = TypeVar("T")


class TrackLimits:
    """Failed look-ups counted per client, per client and code, and per code from every client.

    A client (an IPv4 address or an IPv6 /64) is refused after KHEDMAT_TRACK_MAX_FAILURES_PER_IP
    failures on any codes, or KHEDMAT_TRACK_MAX_FAILURES_PER_CODE failures on one code. Failing on
    someone's code therefore blocks the one who failed, never the applicant at another address.

    Many clients guessing the national code of one code they know are slowed by the count per
    code: past KHEDMAT_TRACK_MAX_FAILURES_PER_CODE_TOTAL failures from everyone within the window,
    a client that already failed on that code is refused, while one that has not may still try it
    once, so the real applicant keeps a try and each further guessing address gets only one.
    The per-client count is shared by every `scope`, so guessing across pages shares one budget.
    """

    def __init__(self, address: str | None, *, scope: str = "track") -> None:
        self.client = rate_limit_address(address) or "unknown"
        self.scope = scope

    def _client_key(self) -> str:
        return f"track:ip:{self.client}"

    def _pair_key(self, code: str) -> str:
        return f"{self.scope}:pair:{self.client}:{code}"

    def _code_key(self, code: str) -> str:
        return f"{self.scope}:code:{code}"

    def names(self, code: str | None) -> list[str]:
        """The counters a look-up of `code` is limited by."""
        return [self._client_key()] + ([self._pair_key(code), self._code_key(code)] if code else [])

    def wait(self, code: str | None, *, now: float | None = None) -> int:
        """Seconds before this client may look `code` up (or anything, without one); 0 if now."""
        return self.wait_in(ratelimit.windows(self.names(code), now=now), code, now=now)

    def wait_in(
        self, found: dict[str, ratelimit.Window], code: str | None, *, now: float | None = None
    ) -> int:
        """As `wait`, from the open windows of `names(code)` read already."""
        moment = ratelimit.moment(now)
        waits = [0]
        if client := found.get(self._client_key()):
            waits.append(client.wait(settings.KHEDMAT_TRACK_MAX_FAILURES_PER_IP, moment))
        if code and (pair := found.get(self._pair_key(code))):
            waits.append(pair.wait(settings.KHEDMAT_TRACK_MAX_FAILURES_PER_CODE, moment))
            everyone = found.get(self._code_key(code))
            if everyone and everyone.count >= settings.KHEDMAT_TRACK_MAX_FAILURES_PER_CODE_TOTAL:
                waits.append(min(pair.wait(1, moment), everyone.wait(1, moment)))
        return max(waits)

    def fail(self, code: str | None, *, now: float | None = None) -> None:
        """Count one failed look-up of `code` (None: not a code at all) by this client."""
        window = settings.KHEDMAT_TRACK_WINDOW_SECONDS
        ratelimit.record_failure(self._client_key(), window=window, now=now)
        if code:
            ratelimit.record_failure(self._pair_key(code), window=window, now=now)
            ratelimit.record_failure(self._code_key(code), window=window, now=now)


@dataclass(frozen=True)
class Lookup(Generic[T]):
    """What a limited look-up found (None: nothing, the form says why) and the page's status."""

    found: T | None
    status: int = 200


def limited_lookup(
    form: Form,
    limits: TrackLimits,
    find: Callable[[str, str], T | None],
    *,
    not_found: object,
) -> Lookup[T]:
    """Look up the form's `code` with its `national_code` through `find`, within the limits.

    A limited client is refused before anything is read (429, the wait on the form); an invalid
    form reads nothing; a miss counts a failure and puts `not_found` on the form. The same rules
    for every page that proves a code with a national code (requests, complaints).
    """
    valid = form.is_valid()
    code = form.cleaned_data.get("code")
    wait = limits.wait(code)
    if wait:
        form.add_error(None, wait_message(wait))
        return Lookup(None, status=429)
    if not valid:
        return Lookup(None)
    found = find(code, form.cleaned_data.get("national_code", "")) if code else None
    if found is None:
        limits.fail(code)
        form.add_error(None, str(not_found))
    return Lookup(found)


def minutes(seconds: int) -> int:
    """Whole minutes to wait, rounded up (a person reads "in 3 minutes", not "in 150 seconds")."""
    return max(1, math.ceil(seconds / 60))


def wait_message(seconds: int) -> str:
    """The translated "try again in N minutes" a form shows when its look-ups are limited."""
    count = minutes(seconds)
    return ngettext(
        "Too many attempts. Please try again in %(minutes)d minute.",
        "Too many attempts. Please try again in %(minutes)d minutes.",
        count,
    ) % {"minutes": count}
