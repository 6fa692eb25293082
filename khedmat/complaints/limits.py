"""Failed complaint look-ups, counted with /track/'s rate limiter and settings (KHEDMAT_TRACK_*).

The per-address count is the one /track/ keeps, so guessing across both pages shares one budget;
each complaint code has its own count.
"""

from __future__ import annotations

from django.conf import settings

from khedmat.tickets import ratelimit


class TrackLimits:
    """Failed look-ups per client address (shared with /track/) and per complaint code."""

    def __init__(self, address: str | None) -> None:
        self.address = f"track:ip:{address or 'unknown'}"

    def wait(self, code: str | None) -> int:
        """Seconds before this address (or this code) may try again; 0 when it may now."""
        waits = [
            ratelimit.retry_after(self.address, maximum=settings.KHEDMAT_TRACK_MAX_FAILURES_PER_IP)
        ]
        if code:
            waits.append(
                ratelimit.retry_after(
                    f"complaint:code:{code}", maximum=settings.KHEDMAT_TRACK_MAX_FAILURES_PER_CODE
                )
            )
        return max(waits)

    def fail(self, code: str | None) -> None:
        window = settings.KHEDMAT_TRACK_WINDOW_SECONDS
        ratelimit.record_failure(self.address, window=window)
        if code:
            ratelimit.record_failure(f"complaint:code:{code}", window=window)
