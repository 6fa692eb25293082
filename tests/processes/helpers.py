"""Helpers of the processes tests."""

from __future__ import annotations

from collections.abc import Callable

from khedmat.processes.models import WorkItem

#: open_items(n): file n requests whose process opens one "agent" work item each; the open items.
OpenItems = Callable[[int], list[WorkItem]]
