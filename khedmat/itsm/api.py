"""ITSM API (to be written)."""

from ninja import Router

router = Router(tags=["incidents"])
