"""Failed complaint look-ups, counted with /track/'s rules and settings (KHEDMAT_TRACK_*).

The per-client count is the one /track/ keeps, so guessing across both pages shares one budget;
complaint codes are counted per client and code, and per code, apart from request codes.
"""

from __future__ import annotations

from khedmat.tickets.ratelimit import TrackLimits


def complaint_limits(address: str | None) -> TrackLimits:
    """The look-up limits of the client at `address` on complaint codes."""
    return TrackLimits(address, scope="complaint")
